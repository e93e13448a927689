package io.df2redis.proxy.runtime;

import com.netease.nim.camellia.redis.proxy.command.Command;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code MULTI} block of one connection, queued in the proxy and run at {@code EXEC} as one script:
 * a script runs atomically on Redis and on Dragonfly, Camellia sends it where writes go (the primary
 * answers, the mirror runs it too), and the journal records every key the block writes before it
 * is forwarded. Each command runs through {@code redis.pcall}, so a command that fails at run time
 * gives its error in its place of {@code EXEC}'s reply and the others still run, as in Redis. A
 * command refused while queuing aborts the block ({@code EXECABORT} at {@code EXEC}), as in Redis.
 */
final class Transaction {

    /** Commands one block may queue: the proxy holds them in memory until EXEC. */
    static final int MAX_COMMANDS = 10_000;
    /** Bytes of arguments one block may queue. */
    static final long MAX_BYTES = 64L << 20;
    /** Arguments of one queued command: a script's unpack() has a stack of about 8,000 slots. */
    static final int MAX_ARGUMENTS = 7_000;

    private static final byte[] EVAL = "EVAL".getBytes(StandardCharsets.US_ASCII);
    /**
     * ARGV: the database, the number W of watched keys, their W digests, then per command its
     * argument count and arguments. KEYS: the W watched keys, then the block's keys. Returns 0 (not
     * an array) when a watched key changed: the gate answers that EXEC with a null array.
     */
    private static final byte[] SCRIPT = (Watches.DIGEST_FUNCTION + Watches.SELECT_DATABASE
            + "local watched = tonumber(ARGV[2]) "
            + "for w = 1, watched do "
            + "  if digest(KEYS[w]) ~= ARGV[2 + w] then return 0 end "
            + "end "
            + "local replies = {} "
            + "local i = 3 + watched "
            + "while i <= #ARGV do "
            + "  local count = tonumber(ARGV[i]) "
            + "  replies[#replies + 1] = redis.pcall(unpack(ARGV, i + 1, i + count)) "
            + "  i = i + count + 1 "
            + "end "
            + "return replies").getBytes(StandardCharsets.US_ASCII);

    private final List<byte[][]> commands = new ArrayList<>();
    /** Every key the block touches, declared to the script (Dragonfly runs a script on its declared keys only). */
    private final Map<String, byte[]> keys = new LinkedHashMap<>();
    private final Map<String, byte[]> written = new LinkedHashMap<>();
    private long bytes;
    private String abortedBy;

    /** Queues a command with the keys it touches and the keys it writes (null: none); null, or why the block is now aborted. */
    String queue(byte[][] args, List<byte[]> touched, byte[][] writes) {
        if (abortedBy != null) {
            return abortedBy;
        }
        long size = Arrays.stream(args).mapToLong(a -> a.length).sum();
        if (commands.size() >= MAX_COMMANDS || bytes + size > MAX_BYTES || args.length > MAX_ARGUMENTS) {
            return abort("ERR df2redis proxy: transaction refused: more than " + MAX_COMMANDS + " commands, " + (MAX_BYTES >> 20)
                    + " MB of arguments or " + MAX_ARGUMENTS + " arguments in one command; split it");
        }
        commands.add(args);
        bytes += size;
        touched.forEach(key -> keys.putIfAbsent(id(key), key));
        if (writes != null) {
            for (byte[] key : writes) {
                keys.putIfAbsent(id(key), key);
                written.putIfAbsent(id(key), key);
            }
        }
        return null;
    }

    /** Marks the block aborted (EXEC answers EXECABORT); returns the reason. */
    String abort(String reason) {
        if (abortedBy == null) {
            abortedBy = reason;
        }
        return reason;
    }

    boolean aborted() {
        return abortedBy != null;
    }

    boolean isEmpty() {
        return commands.isEmpty();
    }

    /** The keys the block writes (null when it writes none): journaled before EXEC is forwarded. */
    byte[][] writtenKeys() {
        return written.isEmpty() ? null : written.values().toArray(new byte[0][]);
    }

    /** The block as one {@code EVAL} on database {@code db}, run only if each watched key still has its digest. */
    Command asScript(int db, List<byte[][]> watchedKeysAndDigests) {
        int watched = watchedKeysAndDigests.size();
        int size = 3 + watched + keys.size() + 2 + watched;
        for (byte[][] command : commands) {
            size += 1 + command.length;
        }
        byte[][] eval = new byte[size][];
        eval[0] = EVAL;
        eval[1] = SCRIPT;
        eval[2] = ascii(watched + keys.size());
        int i = 3;
        for (byte[][] keyAndDigest : watchedKeysAndDigests) {
            eval[i++] = keyAndDigest[0];
        }
        for (byte[] key : keys.values()) {
            eval[i++] = key;
        }
        eval[i++] = ascii(db);
        eval[i++] = ascii(watched);
        for (byte[][] keyAndDigest : watchedKeysAndDigests) {
            eval[i++] = keyAndDigest[1];
        }
        for (byte[][] command : commands) {
            eval[i++] = ascii(command.length);
            for (byte[] arg : command) {
                eval[i++] = arg;
            }
        }
        return new Command(eval);
    }

    private static byte[] ascii(int number) {
        return Integer.toString(number).getBytes(StandardCharsets.US_ASCII);
    }

    private static String id(byte[] key) {
        return new String(key, StandardCharsets.ISO_8859_1);
    }
}
