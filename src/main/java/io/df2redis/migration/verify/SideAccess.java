package io.df2redis.migration.verify;

import io.df2redis.contract.cluster.HashSlot;
import io.df2redis.resp.RedisSide;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;

/**
 * Reads of one side for verification, standalone or cluster: a standalone side is read on one
 * connection per database (pipelined), a cluster through its cluster client, one slot per pipeline.
 * Read only: verification never writes (repairs go through the journal drain).
 */
final class SideAccess implements AutoCloseable {

    private static final int SLOT_CONCURRENCY = 8;

    private final String name;
    private final RedisSide side;
    private final boolean cluster;
    private final Map<Integer, Uni<RedisConnection>> connections = new ConcurrentHashMap<>();

    SideAccess(String name, RedisSide side, boolean cluster) {
        this.name = name;
        this.side = side;
        this.cluster = cluster;
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

    Uni<List<Held>> read(int db, List<byte[]> keys) {
        if (!cluster) {
            return pipelined(db, keys);
        }
        Map<Integer, List<Integer>> bySlot = new TreeMap<>();
        for (int i = 0; i < keys.size(); i++) {
            bySlot.computeIfAbsent(HashSlot.of(keys.get(i)), s -> new ArrayList<>()).add(i);
        }
        Held[] held = new Held[keys.size()];
        return Multi.createFrom().iterable(bySlot.values())
                .onItem().transformToUni(indexes -> pipelined(db, indexes.stream().map(keys::get).toList())
                        .invoke(replies -> {
                            for (int j = 0; j < indexes.size(); j++) {
                                held[indexes.get(j)] = replies.get(j);
                            }
                        }))
                .merge(SLOT_CONCURRENCY)
                .onItem().ignoreAsUni()
                .map(done -> List.of(held));
    }

    private Uni<List<Held>> pipelined(int db, List<byte[]> keys) {
        List<Request> requests = new ArrayList<>(keys.size() * 2);
        keys.forEach(k -> requests.add(Request.cmd(Command.PTTL).arg(k)));
        keys.forEach(k -> requests.add(Request.cmd(Command.DUMP).arg(k)));
        return batch(db, requests)
                .map(replies -> {
                    List<Held> held = new ArrayList<>(keys.size());
                    for (int i = 0; i < keys.size(); i++) {
                        Response payload = replies.get(keys.size() + i);
                        held.add(new Held(replies.get(i).toLong(), payload == null ? null : payload.toBytes()));
                    }
                    return held;
                });
    }

    /** Which of the keys exist, in one pipeline per database (per slot on a cluster). */
    Uni<List<Boolean>> exist(int db, List<byte[]> keys) {
        return read(db, keys).map(held -> held.stream().map(Held::exists).toList());
    }

    Uni<Response> send(int db, Request request, String what) {
        if (cluster) {
            return side.send(request, what);
        }
        return connection(db).chain(c -> side.send(c, request, what))
                .onFailure(e -> !(e instanceof io.vertx.redis.client.impl.types.ErrorType)).invoke(() -> evict(db));
    }

    private Uni<List<Response>> batch(int db, List<Request> requests) {
        Uni<List<Response>> call = cluster
                ? Uni.createFrom().deferred(() -> side.connect(0).chain(c -> c.batch(requests).eventually(c::close)))
                : connection(db).chain(c -> c.batch(requests));
        return call
                .ifNoItem().after(side.timeout()).failWith(() -> new TimeoutException("verify read of " + name + " timed out after " + side.timeout()))
                .onFailure(e -> !(e instanceof io.vertx.redis.client.impl.types.ErrorType)).invoke(() -> evict(db))
                .onFailure(io.df2redis.resp.RemoteFailure::transientFailure).retry()
                .withBackOff(java.time.Duration.ofMillis(100), java.time.Duration.ofSeconds(2)).atMost(3);
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

    /** Closes this pass's connections; the side's client is shared and stays open. */
    @Override
    public void close() {
        connections.keySet().forEach(this::evict);
    }
}
