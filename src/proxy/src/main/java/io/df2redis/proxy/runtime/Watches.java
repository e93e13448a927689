package io.df2redis.proxy.runtime;

import com.netease.nim.camellia.redis.proxy.command.Command;
import com.netease.nim.camellia.redis.proxy.reply.BulkReply;
import com.netease.nim.camellia.redis.proxy.reply.MultiBulkReply;
import com.netease.nim.camellia.redis.proxy.reply.Reply;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code WATCH} through the proxy, which has no backend connection of its own per client: at
 * {@code WATCH} the primary answers a digest of each key (its {@code DUMP} and its expiry time), and
 * the {@code EXEC} script compares the digests again before it runs the block, in the same atomic
 * step, and runs nothing when one changed ({@code EXEC} then answers a null array, as Redis does).
 * Unlike Redis, a key changed and changed back between {@code WATCH} and {@code EXEC} does not
 * abort the block: the values it was computed from are still there.
 */
final class Watches {

    /** A Lua function, the same in both scripts: the digest of a key ('' when it does not exist). */
    static final String DIGEST_FUNCTION = "local function digest(key) "
            + "local dumped = redis.call('DUMP', key) "
            + "if not dumped then return '' end "
            + "local expires = redis.pcall('PEXPIRETIME', key) "
            + "if type(expires) ~= 'number' then expires = '' end "
            + "return redis.sha1hex(dumped) .. ':' .. expires "
            + "end ";
    static final String SELECT_DATABASE = "if ARGV[1] ~= '0' then "
            + "local selected = redis.pcall('SELECT', ARGV[1]) "
            + "if type(selected) == 'table' and selected.err then return selected end "
            + "end ";
    private static final byte[] EVAL = "EVAL".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DIGESTS = (DIGEST_FUNCTION + SELECT_DATABASE
            + "local digests = {} for i, key in ipairs(KEYS) do digests[i] = digest(key) end return digests")
            .getBytes(StandardCharsets.US_ASCII);

    /** Watched keys (key, digest), by key. */
    private final Map<String, byte[][]> watched = new LinkedHashMap<>();
    /** WATCH replies still to come back; an EXEC before they are all in aborts its block. */
    private int pending;
    /** Changes at every UNWATCH, EXEC, DISCARD, RESET: a digest of an earlier generation is dropped. */
    private long generation;

    /** {@code WATCH key...} as the script that answers the keys' digests, on database {@code db}. */
    static Command digestScript(byte[][] keys, int db) {
        byte[][] eval = new byte[3 + keys.length + 1][];
        eval[0] = EVAL;
        eval[1] = DIGESTS;
        eval[2] = Integer.toString(keys.length).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(keys, 0, eval, 3, keys.length);
        eval[3 + keys.length] = Integer.toString(db).getBytes(StandardCharsets.US_ASCII);
        return new Command(eval);
    }

    /** A WATCH was forwarded: {@link #answered} takes its reply. */
    long expect() {
        pending++;
        return generation;
    }

    /** The reply to a WATCH of {@code keys}: the digests are kept and the client gets {@code OK}; an error goes through. */
    Reply answered(long ofGeneration, byte[][] keys, Reply reply) {
        pending = Math.max(0, pending - 1);
        if (!(reply instanceof MultiBulkReply digests) || digests.getReplies() == null || digests.getReplies().length != keys.length) {
            return reply;
        }
        if (ofGeneration == generation) {
            for (int i = 0; i < keys.length; i++) {
                Reply digest = digests.getReplies()[i];
                byte[] value = digest instanceof BulkReply bulk && bulk.getRaw() != null ? bulk.getRaw() : new byte[0];
                watched.put(new String(keys[i], StandardCharsets.ISO_8859_1), new byte[][] {keys[i], value});
            }
        }
        return com.netease.nim.camellia.redis.proxy.reply.StatusReply.OK;
    }

    /** True when a WATCH reply is still to come: the EXEC cannot know what was watched. */
    boolean undecided() {
        return pending > 0;
    }

    /** The watched keys and their digests, in WATCH order. */
    List<byte[][]> keysAndDigests() {
        return new ArrayList<>(watched.values());
    }

    /** UNWATCH, EXEC, DISCARD, RESET: nothing is watched any more. */
    void clear() {
        watched.clear();
        generation++;
    }
}
