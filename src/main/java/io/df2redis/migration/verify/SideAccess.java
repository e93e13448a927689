package io.df2redis.migration.verify;

import io.df2redis.contract.cluster.HashSlot;
import io.df2redis.copy.ClusterTopology;
import io.df2redis.resp.LeanConnection;
import io.df2redis.resp.RedisSide;
import io.df2redis.resp.RemoteFailure;
import io.df2redis.resp.RespCommands;
import io.df2redis.resp.RespReplies;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Reads of one side for verification, standalone or cluster. The per-key reads (PTTL and DUMP, EXISTS)
 * go out pipelined on lean connections ({@link LeanConnection}, the copy's own): one per database of
 * a standalone side, one per master of a cluster, the keys grouped by the master that owns their slot.
 * A group that meets a redirect (a slot that moved) is read again through the cluster client, which
 * follows it. The by-value reads of keys whose payloads differ ({@link #forms}) are pipelined the same way;
 * what they leave (streams, big collections, redirected groups) is read by {@link ValueForm} on the general client.
 * Read only: verification never writes (repairs go through the journal drain).
 */
final class SideAccess implements AutoCloseable {

    private static final byte[] PTTL = RespCommands.head(2, "PTTL".getBytes(StandardCharsets.US_ASCII));
    private static final byte[] DUMP = RespCommands.head(2, "DUMP".getBytes(StandardCharsets.US_ASCII));
    private static final byte[] EXISTS = RespCommands.head(2, "EXISTS".getBytes(StandardCharsets.US_ASCII));
    private static final byte[] TYPE = RespCommands.head(2, "TYPE".getBytes(StandardCharsets.US_ASCII));
    /**
     * Elements of a collection read in one reply by {@link #forms}; a bigger one is left to {@link ValueForm}
     * (memory: a page of by-value keys holds at most this many elements each).
     */
    static final long LEAN_FORM_ELEMENTS = 4096;
    /** The largest payload a Java array holds: verification compares whole payloads, as it always did. */
    private static final long KEPT_PAYLOAD = Integer.MAX_VALUE - 16;
    private static final String STANDALONE = "standalone";
    private static final int CALL_RETRIES = 3;

    private final String name;
    private final RedisSide side;
    /** A standalone client of one master by host:port; null for a standalone side. */
    private final Function<String, RedisSide> clusterNode;
    private final ClusterTopology topology;
    private Uni<Void> slotMap;
    private final Map<Integer, Uni<RedisConnection>> connections = new ConcurrentHashMap<>();
    private final Map<String, Uni<LeanConnection>> pipelines = new ConcurrentHashMap<>();

    SideAccess(String name, RedisSide side, Function<String, RedisSide> clusterNode) {
        this.name = name;
        this.side = side;
        this.clusterNode = clusterNode;
        this.topology = clusterNode == null ? null : new ClusterTopology(side);
    }

    String name() {
        return name;
    }

    /** What the side holds for each key: its PTTL (-2 when gone) and DUMP payload (null when gone). */
    record Held(long pttl, byte[] payload) {
        boolean exists() {
            return payload != null && pttl != -2;
        }
    }

    /** PTTL and DUMP of each key, in key order. */
    Uni<List<Held>> read(int db, List<byte[]> keys) {
        return perNode(db, keys, SideAccess::pttlAndDump, SideAccess::held, this::heldByClient);
    }

    /** Which of the keys exist, in key order. */
    Uni<List<Boolean>> exist(int db, List<byte[]> keys) {
        return perNode(db, keys, SideAccess::exists, (replies, i, n) -> replies.number(i) > 0,
                (d, group) -> heldByClient(d, group).map(held -> held.stream().map(Held::exists).toList()));
    }

    /**
     * Each key's value in a form that does not depend on its encoding, as {@link ValueForm} sees it, read in
     * pipelined rounds: TYPE of every key, then the size of each collection, then the values of strings and
     * of collections up to {@link #LEAN_FORM_ELEMENTS} elements. Null for a key left to {@link ValueForm}
     * (a stream, a bigger collection, a group whose slot moved): compare such a key by {@link ValueForm} on
     * both sides, never one form with the other.
     */
    Uni<List<String>> forms(int db, List<byte[]> keys) {
        return perNode(db, keys, SideAccess::types, (replies, i, n) -> replies.text(i), (d, group) -> unread(group))
                .chain(types -> {
                    Map<LeanForm, List<Integer>> byKind = new LinkedHashMap<>();
                    for (int i = 0; i < keys.size(); i++) {
                        LeanForm kind = LeanForm.of(types.get(i));
                        if (kind != null) {
                            byKind.computeIfAbsent(kind, k -> new ArrayList<>()).add(i);
                        }
                    }
                    String[] forms = new String[keys.size()];
                    for (int i = 0; i < keys.size(); i++) {
                        String type = types.get(i);
                        // a key gone, or of a type without a value to read ("none"): its type is its form
                        forms[i] = type != null && LeanForm.of(type) == null && !type.equals("stream") ? type : null;
                    }
                    return Multi.createFrom().iterable(byKind.entrySet())
                            .onItem().transformToUniAndMerge(kind -> formsOf(db, kind.getKey(), kind.getValue().stream().map(keys::get).toList())
                                    .invoke(read -> {
                                        for (int j = 0; j < read.size(); j++) {
                                            forms[kind.getValue().get(j)] = read.get(j);
                                        }
                                    }))
                            .onItem().ignoreAsUni()
                            .map(done -> Arrays.asList(forms));
                });
    }

    /** The forms of keys of one type: collections sized first, those within {@link #LEAN_FORM_ELEMENTS} read. */
    private Uni<List<String>> formsOf(int db, LeanForm kind, List<byte[]> keys) {
        Uni<List<Long>> sizes = kind.size == null ? Uni.createFrom().item(java.util.Collections.nCopies(keys.size(), 0L))
                : perNode(db, keys, group -> kind.encode(kind.size, group), (replies, i, n) -> replies.error(i) ? -1L : replies.number(i),
                        (d, group) -> Uni.createFrom().item(java.util.Collections.nCopies(group.size(), -1L)));
        return sizes.chain(sized -> {
            List<Integer> small = new ArrayList<>();
            for (int i = 0; i < keys.size(); i++) {
                if (sized.get(i) >= 0 && sized.get(i) <= LEAN_FORM_ELEMENTS) {
                    small.add(i);
                }
            }
            String[] forms = new String[keys.size()];
            return perNode(db, small.stream().map(keys::get).toList(), group -> kind.encode(kind.read, group), kind::form,
                            (d, group) -> unread(group))
                    .map(read -> {
                        for (int j = 0; j < read.size(); j++) {
                            forms[small.get(j)] = read.get(j);
                        }
                        return Arrays.asList(forms);
                    });
        });
    }

    private static Uni<List<String>> unread(List<byte[]> keys) {
        return Uni.createFrom().item(java.util.Collections.nCopies(keys.size(), (String) null));
    }

    private static RespCommands types(List<byte[]> keys) {
        RespCommands commands = new RespCommands(keys.stream().mapToInt(k -> k.length + 24).sum());
        keys.forEach(key -> commands.command(TYPE).arg(key));
        return commands;
    }

    private static RespCommands pttlAndDump(List<byte[]> keys) {
        RespCommands commands = new RespCommands(keys.stream().mapToInt(k -> 2 * k.length + 32).sum());
        keys.forEach(key -> commands.command(PTTL).arg(key));
        keys.forEach(key -> commands.command(DUMP).arg(key));
        return commands;
    }

    private static Held held(RespReplies replies, int i, int keys) {
        byte[] payload = replies.nil(keys + i) ? null : replies.bytes(keys + i);
        return new Held(replies.number(i), payload);
    }

    private static RespCommands exists(List<byte[]> keys) {
        RespCommands commands = new RespCommands(keys.stream().mapToInt(k -> k.length + 24).sum());
        keys.forEach(key -> commands.command(EXISTS).arg(key));
        return commands;
    }

    /** The value of key {@code i} of {@code keys} keys in the replies of one pipelined write. */
    private interface Decode<T> {
        T value(RespReplies replies, int i, int keys);
    }

    /**
     * Sends the commands of each master's keys on its lean connection (every master at once) and puts the
     * decoded values back in key order. A group answered with a redirect is read by {@code byClient}.
     */
    private <T> Uni<List<T>> perNode(int db, List<byte[]> keys, Function<List<byte[]>, RespCommands> encode, Decode<T> decode,
            java.util.function.BiFunction<Integer, List<byte[]>, Uni<List<T>>> byClient) {
        if (keys.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return slotMap()
                .chain(() -> {
                    Map<String, List<Integer>> byNode = groups(keys);
                    Object[] values = new Object[keys.size()];
                    return Multi.createFrom().iterable(byNode.entrySet())
                            .onItem().transformToUniAndMerge(group -> {
                                List<byte[]> groupKeys = group.getValue().stream().map(keys::get).toList();
                                return lean(db, group.getKey(), groupKeys, encode, decode)
                                        .onFailure(SideAccess::redirected).recoverWithUni(moved -> slotsMoved()
                                                .chain(() -> byClient.apply(db, groupKeys)))
                                        .invoke(read -> {
                                            for (int j = 0; j < read.size(); j++) {
                                                values[group.getValue().get(j)] = read.get(j);
                                            }
                                        });
                            })
                            .onItem().ignoreAsUni()
                            .map(done -> {
                                List<T> ordered = new ArrayList<>(values.length);
                                for (Object value : values) {
                                    @SuppressWarnings("unchecked")
                                    T typed = (T) value;
                                    ordered.add(typed);
                                }
                                return ordered;
                            });
                });
    }

    /** The key indexes by the node that serves them: all on one for a standalone side. */
    private Map<String, List<Integer>> groups(List<byte[]> keys) {
        Map<String, List<Integer>> byNode = new LinkedHashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            String node = STANDALONE;
            if (topology != null) {
                String owner = topology.owner(HashSlot.of(keys.get(i)));
                // A slot no master serves yet: read through the cluster client, which waits for the cluster's answer.
                node = owner == null ? Redirect.UNASSIGNED : owner;
            }
            byNode.computeIfAbsent(node, n -> new ArrayList<>()).add(i);
        }
        return byNode;
    }

    private synchronized Uni<Void> slotMap() {
        if (topology == null) {
            return Uni.createFrom().voidItem();
        }
        if (slotMap == null) {
            slotMap = topology.refresh().memoize().indefinitely();
        }
        return slotMap;
    }

    private Uni<Void> slotsMoved() {
        return topology == null ? Uni.createFrom().voidItem() : topology.refresh();
    }

    /** One pipelined write on the node's lean connection, with the timeout and a bounded retry of what may pass. */
    private <T> Uni<List<T>> lean(int db, String node, List<byte[]> keys, Function<List<byte[]>, RespCommands> encode, Decode<T> decode) {
        if (Redirect.UNASSIGNED.equals(node)) {
            return Uni.createFrom().failure(new Redirect(node));
        }
        String id = node + "/" + db;
        Duration timeout = side.timeout();
        return Uni.createFrom().deferred(() -> pipeline(id, node, db).chain(connection -> connection.send(encode.apply(keys))))
                .ifNoItem().after(timeout).failWith(() -> new TimeoutException("verify read of " + name + " timed out after " + timeout))
                .onFailure().invoke(() -> closeQuietly(pipelines.remove(id)))
                .onFailure(RemoteFailure::transientFailure).retry()
                .withBackOff(Duration.ofMillis(100), Duration.ofSeconds(2)).atMost(CALL_RETRIES)
                .map(replies -> decoded(replies, keys.size(), decode));
    }

    private <T> List<T> decoded(RespReplies replies, int keys, Decode<T> decode) {
        for (int i = 0; i < replies.size(); i++) {
            String message = replies.errorMessage(i);
            if (message == null) {
                continue;
            }
            if (message.startsWith("MOVED ") || message.startsWith("ASK ")) {
                throw new Redirect(message);
            }
            // A key whose type changed between two rounds of by-value reads: its decoder sees the error.
            if (!message.startsWith("WRONGTYPE")) {
                throw new IllegalStateException(name + " refused a verify read: " + message);
            }
        }
        List<T> values = new ArrayList<>(keys);
        for (int i = 0; i < keys; i++) {
            values.add(decode.value(replies, i, keys));
        }
        return values;
    }

    private Uni<LeanConnection> pipeline(String id, String node, int db) {
        return pipelines.computeIfAbsent(id, key -> {
            Uni<LeanConnection> open = clusterNode == null ? side.pipelined(db, KEPT_PAYLOAD)
                    : clusterNode.apply(node).pipelined(0, KEPT_PAYLOAD);
            return open
                    .onFailure().invoke(() -> pipelines.remove(key))
                    .memoize().indefinitely();
        });
    }

    /** A slot served elsewhere than the slot map said (or by no master yet). */
    private static final class Redirect extends RuntimeException {
        static final String UNASSIGNED = "unassigned";

        Redirect(String message) {
            super(message, null, false, false);
        }
    }

    private static boolean redirected(Throwable failure) {
        return failure instanceof Redirect;
    }

    /** PTTL and DUMP through the cluster client, which follows redirects: for groups whose slots moved. */
    private Uni<List<Held>> heldByClient(int db, List<byte[]> keys) {
        List<Request> requests = new ArrayList<>(keys.size() * 2);
        keys.forEach(k -> requests.add(Request.cmd(Command.PTTL).arg(k)));
        keys.forEach(k -> requests.add(Request.cmd(Command.DUMP).arg(k)));
        return Multi.createFrom().iterable(requests)
                .onItem().transformToUniAndConcatenate(request -> send(db, request, "verify read"))
                .collect().asList()
                .map(replies -> {
                    List<Held> held = new ArrayList<>(keys.size());
                    for (int i = 0; i < keys.size(); i++) {
                        Response payload = replies.get(keys.size() + i);
                        held.add(new Held(replies.get(i).toLong(), payload == null ? null : payload.toBytes()));
                    }
                    return held;
                });
    }

    Uni<Response> send(int db, Request request, String what) {
        if (clusterNode != null) {
            return side.send(request, what);
        }
        return connection(db).chain(c -> side.send(c, request, what))
                .onFailure(e -> !(e instanceof io.vertx.redis.client.impl.types.ErrorType)).invoke(() -> evict(db));
    }

    private Uni<RedisConnection> connection(int db) {
        return connections.computeIfAbsent(db, d -> side.connect(d)
                .onFailure().invoke(() -> connections.remove(d))
                .memoize().indefinitely());
    }

    private void evict(int db) {
        Uni<RedisConnection> gone = connections.remove(db);
        if (gone != null) {
            gone.subscribe().with(RedisConnection::closeAndForget, failure -> { });
        }
    }

    private static void closeQuietly(Uni<LeanConnection> connection) {
        if (connection != null) {
            connection.subscribe().with(LeanConnection::close, failure -> { });
        }
    }

    /** Closes this pass's connections; the side's client is shared and stays open. */
    @Override
    public void close() {
        connections.keySet().forEach(this::evict);
        pipelines.keySet().forEach(id -> closeQuietly(pipelines.remove(id)));
    }
}
