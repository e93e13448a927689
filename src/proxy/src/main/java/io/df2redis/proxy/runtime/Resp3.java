package io.df2redis.proxy.runtime;

import com.netease.nim.camellia.redis.proxy.reply.BulkReply;
import com.netease.nim.camellia.redis.proxy.reply.MultiBulkReply;
import com.netease.nim.camellia.redis.proxy.reply.Reply;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * RESP3 for clients that ask for it with {@code HELLO 3}. Camellia 1.1.1 talks RESP2 to the backends,
 * so each reply is re-encoded on its way out: nulls become {@code _}, and the commands whose RESP3
 * reply has another shape than their RESP2 one get it, as Redis 7.2 sends it: maps ({@code HGETALL},
 * {@code XREAD}, {@code XINFO}, {@code HELLO}), sets ({@code SMEMBERS}, {@code SINTER}, ...), doubles
 * ({@code ZSCORE}, {@code ZINCRBY}, {@code ZADD ... INCR}, {@code ZMSCORE}) and member-score pairs
 * ({@code ... WITHSCORES}, {@code ZPOPMIN}, {@code ZMPOP}, {@code HRANDFIELD ... WITHVALUES}).
 */
final class Resp3 {

    /** How a command's RESP2 reply becomes its RESP3 one. */
    enum Shape {
        /** RESP2 as it is (a connection that is not on RESP3). */
        RESP2,
        /** The same shape; only nulls change. */
        SAME,
        MAP,
        SET,
        DOUBLE,
        DOUBLES,
        /** A flat member, score, member, score... array as [member, score] pairs, scores as doubles. */
        SCORED_PAIRS,
        /** A flat field, value... array as [field, value] pairs. */
        PAIRS,
        /** ZPOPMIN/ZPOPMAX without a count: [member, score] with the score a double. */
        SCORED_PAIR,
        /** ZMPOP: [key, [[member, score]...]] with the scores doubles. */
        KEY_AND_SCORED_PAIRS,
        /** XREAD/XREADGROUP: [[key, entries]...] as a map of key to entries. */
        STREAMS,
        /** XINFO GROUPS/CONSUMERS: an array of flat field-value arrays, each as a map. */
        MAPS
    }

    private static final byte[] NULL = "_\r\n".getBytes(StandardCharsets.US_ASCII);

    private Resp3() {
    }

    /** The RESP3 shape of a command's reply (by lower-case name and its arguments). */
    static Shape shapeOf(String name, byte[][] args) {
        switch (name) {
            case "hgetall": case "hello":
                return Shape.MAP;
            case "smembers": case "sinter": case "sunion": case "sdiff":
                return Shape.SET;
            case "zscore": case "zincrby":
                return Shape.DOUBLE;
            case "zadd":
                return WriteCommands.hasAny(args, 2, "INCR") ? Shape.DOUBLE : Shape.SAME;
            case "zmscore":
                return Shape.DOUBLES;
            case "zrange": case "zrangebyscore": case "zrevrange": case "zrevrangebyscore": case "zunion": case "zinter": case "zdiff":
            case "zrandmember":
                return WriteCommands.hasAny(args, 2, "WITHSCORES") ? Shape.SCORED_PAIRS : Shape.SAME;
            case "hrandfield":
                return WriteCommands.hasAny(args, 2, "WITHVALUES") ? Shape.PAIRS : Shape.SAME;
            case "zpopmin": case "zpopmax":
                return args.length > 2 ? Shape.SCORED_PAIRS : Shape.SCORED_PAIR;
            case "zmpop":
                return Shape.KEY_AND_SCORED_PAIRS;
            case "xread": case "xreadgroup":
                return Shape.STREAMS;
            case "xinfo":
                if (args.length > 1) {
                    String sub = LocalCommands.text(args[1]).toUpperCase(Locale.ROOT);
                    if (sub.equals("STREAM")) {
                        return Shape.MAP;
                    }
                    if (sub.equals("GROUPS") || sub.equals("CONSUMERS")) {
                        return Shape.MAPS;
                    }
                }
                return Shape.SAME;
            default:
                return Shape.SAME;
        }
    }

    /** The reply in RESP3, for a connection on RESP3. */
    static Reply of(Reply reply, Shape shape) {
        return shape == Shape.RESP2 ? reply : out -> write(out, reply, shape);
    }

    private static void write(ByteBuf out, Reply reply, Shape shape) throws IOException {
        if (isNull(reply)) {
            out.writeBytes(NULL);
            return;
        }
        Reply[] items = reply instanceof MultiBulkReply array ? array.getReplies() : null;
        switch (shape) {
            case MAP:
                if (items != null && items.length % 2 == 0) {
                    header(out, '%', items.length / 2);
                    writeAll(out, items);
                    return;
                }
                break;
            case SET:
                if (items != null) {
                    header(out, '~', items.length);
                    writeAll(out, items);
                    return;
                }
                break;
            case DOUBLE:
                if (reply instanceof BulkReply bulk) {
                    writeDouble(out, bulk);
                    return;
                }
                break;
            case DOUBLES:
                if (items != null) {
                    header(out, '*', items.length);
                    for (Reply item : items) {
                        write(out, item, Shape.DOUBLE);
                    }
                    return;
                }
                break;
            case SCORED_PAIRS:
            case PAIRS:
                if (items != null && items.length % 2 == 0) {
                    header(out, '*', items.length / 2);
                    for (int i = 0; i < items.length; i += 2) {
                        header(out, '*', 2);
                        write(out, items[i], Shape.SAME);
                        write(out, items[i + 1], shape == Shape.SCORED_PAIRS ? Shape.DOUBLE : Shape.SAME);
                    }
                    return;
                }
                break;
            case SCORED_PAIR:
                if (items != null && items.length == 2) {
                    header(out, '*', 2);
                    write(out, items[0], Shape.SAME);
                    write(out, items[1], Shape.DOUBLE);
                    return;
                }
                break;
            case KEY_AND_SCORED_PAIRS:
                if (items != null && items.length == 2 && items[1] instanceof MultiBulkReply pairs && pairs.getReplies() != null) {
                    header(out, '*', 2);
                    write(out, items[0], Shape.SAME);
                    header(out, '*', pairs.getReplies().length);
                    for (Reply pair : pairs.getReplies()) {
                        write(out, pair, Shape.SCORED_PAIR);
                    }
                    return;
                }
                break;
            case STREAMS:
                if (items != null && allPairs(items)) {
                    header(out, '%', items.length);
                    for (Reply stream : items) {
                        writeAll(out, ((MultiBulkReply) stream).getReplies());
                    }
                    return;
                }
                break;
            case MAPS:
                if (items != null) {
                    header(out, '*', items.length);
                    for (Reply item : items) {
                        write(out, item, Shape.MAP);
                    }
                    return;
                }
                break;
            default:
                break;
        }
        if (items != null) {
            header(out, '*', items.length);
            writeAll(out, items);
            return;
        }
        reply.write(out);
    }

    private static void writeAll(ByteBuf out, Reply[] items) throws IOException {
        for (Reply item : items) {
            write(out, item, Shape.SAME);
        }
    }

    private static boolean allPairs(Reply[] items) {
        for (Reply item : items) {
            if (!(item instanceof MultiBulkReply pair) || pair.getReplies() == null || pair.getReplies().length != 2) {
                return false;
            }
        }
        return true;
    }

    private static void writeDouble(ByteBuf out, BulkReply bulk) {
        out.writeByte(',');
        out.writeBytes(bulk.getRaw());
        out.writeByte('\r');
        out.writeByte('\n');
    }

    private static boolean isNull(Reply reply) {
        return reply instanceof BulkReply bulk && bulk.getRaw() == null
                || reply instanceof MultiBulkReply array && array.getReplies() == null;
    }

    private static void header(ByteBuf out, char type, int count) {
        out.writeByte(type);
        out.writeBytes(Integer.toString(count).getBytes(StandardCharsets.US_ASCII));
        out.writeByte('\r');
        out.writeByte('\n');
    }
}
