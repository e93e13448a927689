package io.df2redis.resp;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * SCAN over one database of one node, page by page on a connection of its own, each page handed on
 * before the next is asked for. Guarded against a server whose SCAN returns the cursor it was given
 * forever (seen in old Dragonfly releases): the scan fails instead of looping.
 */
public final class KeyScan {

    /** The longest key Redis allows: a lean connection that SCANs keeps every key it lists. */
    public static final long MAX_KEY_BYTES = 512L << 20;
    private static final byte[] SCAN = {'S', 'C', 'A', 'N'};
    private static final byte[] COUNT = {'C', 'O', 'U', 'N', 'T'};

    private KeyScan() {
    }

    /**
     * Scans database {@code db} of {@code node} ({@code match} may be null: every key), {@code count}
     * keys per page as a hint, and runs {@code onPage} on the keys of each page in order, with the scan's
     * connection (on database {@code db}) for commands on those keys. Empty pages, which SCAN may return
     * anywhere in a scan, are not handed on.
     */
    public static Uni<Void> pages(RedisSide node, int db, String match, int count,
            BiFunction<RedisConnection, List<byte[]>, Uni<Void>> onPage) {
        return node.connect(db).chain(connection -> {
            String[] cursor = {"0"};
            CursorGuard guard = new CursorGuard(node.endpoint(), "SCAN");
            String what = match == null ? "SCAN db" + db : "SCAN db" + db + " MATCH " + match;
            return Multi.createBy().repeating().uni(() -> node.send(connection, request(cursor[0], match, count), what)
                            .map(reply -> page(reply, cursor, guard)))
                    .whilst(page -> !"0".equals(cursor[0]))
                    .select().where(page -> !page.isEmpty())
                    .onItem().transformToUniAndConcatenate(page -> onPage.apply(connection, page))
                    .onItem().ignoreAsUni()
                    .eventually(connection::close);
        });
    }

    /**
     * Every key of database {@code db} of {@code node}, as {@link #pages} lists them but on a lean
     * connection ({@link LeanConnection}), with up to {@code inFlight} pages handed to {@code onPage}
     * at once: the SCAN of the next page goes out while earlier ones are handled. Memory: that many pages.
     */
    public static Uni<Void> leanPages(RedisSide node, int db, int count, int inFlight, Function<List<byte[]>, Uni<Void>> onPage) {
        return node.pipelined(db, MAX_KEY_BYTES).chain(connection -> {
            String[] cursor = {"0"};
            CursorGuard guard = new CursorGuard(node.endpoint(), "SCAN");
            return Multi.createBy().repeating()
                    .uni(() -> node.send(connection, leanScan(cursor[0], count), "SCAN db" + db)
                            .map(replies -> {
                                LeanPage page = leanPage(node.endpoint(), replies.elements(0));
                                cursor[0] = guard.check(cursor[0], page.cursor());
                                return page.keys();
                            }))
                    .whilst(page -> !"0".equals(cursor[0]))
                    .select().where(page -> !page.isEmpty())
                    .onItem().transformToUni(page -> onPage.apply(page)).merge(inFlight)
                    .onItem().ignoreAsUni()
                    .eventually(connection::close);
        });
    }

    /** {@code SCAN cursor COUNT count} for a lean connection. */
    public static RespCommands leanScan(String cursor, int count) {
        return new RespCommands(64).command(4).arg(SCAN).arg(cursor).arg(COUNT).arg(count);
    }

    /** A SCAN reply read on a lean connection: the next cursor and the keys listed. */
    public record LeanPage(String cursor, List<byte[]> keys) {
    }

    /** Reads the flat leaves of a lean SCAN reply (the cursor, then the keys). */
    public static LeanPage leanPage(RedisEndpoint endpoint, List<Object> reply) {
        if (reply.isEmpty() || !(reply.get(0) instanceof byte[] next)) {
            throw new IllegalStateException(endpoint + ": SCAN answered without a cursor: " + reply);
        }
        List<byte[]> keys = new ArrayList<>(reply.size() - 1);
        for (int i = 1; i < reply.size(); i++) {
            if (!(reply.get(i) instanceof byte[] key)) {
                throw new IllegalStateException(endpoint + ": SCAN listed a key that is not a string: " + reply.get(i));
            }
            keys.add(key);
        }
        return new LeanPage(new String(next, java.nio.charset.StandardCharsets.US_ASCII), keys);
    }

    private static Request request(String cursor, String match, int count) {
        Request scan = Request.cmd(Command.SCAN).arg(cursor);
        if (match != null) {
            scan.arg("MATCH").arg(match);
        }
        return scan.arg("COUNT").arg(count);
    }

    private static List<byte[]> page(Response reply, String[] cursor, CursorGuard guard) {
        cursor[0] = guard.check(cursor[0], reply.get(0).toString());
        List<byte[]> keys = new ArrayList<>(reply.get(1).size());
        for (Response key : reply.get(1)) {
            keys.add(key.toBytes());
        }
        return keys;
    }

    /**
     * A random sample of about {@code rate} of database {@code db} of {@code node}: {@code DBSIZE}, then
     * that many {@code RANDOMKEY}s, {@code count} per batch on one connection, each batch's keys not seen
     * before handed to {@code onPage}. Costs what the sample costs, not a walk of the keyspace.
     * {@code RANDOMKEY} picks a random bucket first, so the sample is close to uniform, not exactly.
     */
    public static Uni<Void> sample(RedisSide node, int db, double rate, int count, java.util.function.Function<List<byte[]>, Uni<Void>> onPage) {
        return node.connect(db).chain(connection -> node.send(connection, Request.cmd(Command.DBSIZE), "DBSIZE db" + db)
                .chain(size -> {
                    long wanted = (long) Math.ceil(size.toLong() * rate);
                    if (wanted == 0) {
                        return Uni.createFrom().voidItem();
                    }
                    java.util.Set<String> seen = new java.util.HashSet<>();
                    long[] asked = {0};
                    Multi<List<byte[]>> pages = Multi.createBy().repeating().uni(() -> {
                                int batch = (int) Math.min(count, wanted - asked[0]);
                                asked[0] += batch;
                                List<Request> requests = new ArrayList<>(batch);
                                for (int i = 0; i < batch; i++) {
                                    requests.add(Request.cmd(Command.RANDOMKEY));
                                }
                                return node.guarded(connection.batch(requests), "RANDOMKEY db" + db)
                                        .map(replies -> fresh(replies, seen));
                            })
                            .whilst(page -> asked[0] < wanted);
                    return pages.select().where(page -> !page.isEmpty())
                            .onItem().transformToUniAndConcatenate(page -> onPage.apply(page))
                            .onItem().ignoreAsUni();
                })
                .eventually(connection::close));
    }

    private static List<byte[]> fresh(List<Response> replies, java.util.Set<String> seen) {
        List<byte[]> keys = new ArrayList<>();
        for (Response reply : replies) {
            if (reply != null) {
                byte[] key = reply.toBytes();
                if (seen.add(new String(key, java.nio.charset.StandardCharsets.ISO_8859_1))) {
                    keys.add(key);
                }
            }
        }
        return keys;
    }
}
