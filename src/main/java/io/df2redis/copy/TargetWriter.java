package io.df2redis.copy;

import io.df2redis.contract.cluster.HashSlot;
import io.df2redis.resp.RedisEndpoint;
import io.df2redis.resp.RedisSide;
import io.smallrye.mutiny.Uni;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Writes keys read from the source into the target: pipelined {@code RESTORE key ttl payload [REPLACE] ABSTTL},
 * one pipeline per master of a cluster (slots from {@code CLUSTER SLOTS}, {@code MOVED} and {@code ASK}
 * followed), with a copy by value from the source for payloads the target refuses and, in chunks, for big
 * keys. Shared by the importers and, later, by journal sync and repair.
 *
 * <p>Each worker writes through its own {@link WriterSession} (its own connections, so pipelines never
 * interleave); {@link #open()} once before the first session writes. A session holds one connection of
 * the source and one of the target (per master) while it is open: give the writer clients whose pools
 * have room for every session ({@link RedisSide#withPoolSize}). The writer only reads the source
 * (invariant I2).
 */
public final class TargetWriter {

    private final RedisSide source;
    private final RedisSide target;
    private final Function<String, RedisSide> clusterNode;
    private final WriterSettings settings;
    private final ClusterTopology topology;
    private final String runTag = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    private final AtomicLong tempKeys = new AtomicLong();

    /**
     * @param source      the source, read for by-value copies
     * @param target      the target (for a cluster: a client of its seeds, used for {@code CLUSTER SLOTS})
     * @param clusterNode a standalone client of one cluster node by host:port (unused for a standalone target)
     */
    public TargetWriter(RedisSide source, RedisSide target, Function<String, RedisSide> clusterNode,
            WriterSettings settings) {
        this.source = source;
        this.target = target;
        this.clusterNode = clusterNode;
        this.settings = settings;
        this.topology = settings.cluster() ? new ClusterTopology(target) : null;
    }

    /** Reads the cluster's slot map (nothing to do for a standalone target). */
    public Uni<Void> open() {
        return topology == null ? Uni.createFrom().voidItem() : topology.refresh();
    }

    /** A session for one worker; close it when the worker is done. */
    public WriterSession session() {
        return new WriterSession(this);
    }

    public boolean cluster() {
        return topology != null;
    }

    public WriterSettings settings() {
        return settings;
    }

    RedisSide source() {
        return source;
    }

    RedisSide target() {
        return target;
    }

    RedisSide node(String address) {
        return clusterNode.apply(address);
    }

    RedisEndpoint endpointOf(String node) {
        return topology == null ? target.endpoint() : node(node).endpoint();
    }

    ClusterTopology topology() {
        return topology;
    }

    /** A fresh temporary key on {@code slot}: unique per run, recognisable, and never a user's key. */
    String tempKey(int slot) {
        return HashSlot.tagFor(slot) + ":" + runTag + ":" + tempKeys.incrementAndGet();
    }
}
