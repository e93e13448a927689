package io.df2redis.copy;

import io.df2redis.contract.cluster.HashSlot;
import io.df2redis.resp.RedisSide;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import org.jboss.logging.Logger;

/**
 * Which master of the target cluster owns each slot, read from {@code CLUSTER SLOTS} and corrected
 * by the {@code MOVED} replies the writer meets. Concurrent refreshes share one call.
 */
public final class ClusterTopology {

    private static final Logger LOG = Logger.getLogger(ClusterTopology.class);

    private final RedisSide seed;
    private volatile String[] owners = new String[HashSlot.SLOTS];
    private Uni<Void> refreshing;

    public ClusterTopology(RedisSide seed) {
        this.seed = seed;
    }

    /** The host:port of the master that owns {@code slot}, or null when no node serves it. */
    public String owner(int slot) {
        return owners[slot];
    }

    /** Reads the slot map again; callers that arrive while a refresh runs wait for the same one. */
    public synchronized Uni<Void> refresh() {
        if (refreshing == null) {
            refreshing = seed.send(Request.cmd(Command.CLUSTER).arg("SLOTS"), "CLUSTER SLOTS")
                    .invoke(this::load)
                    .eventually(this::refreshed)
                    .replaceWithVoid()
                    .memoize().indefinitely();
        }
        return refreshing;
    }

    /** Follows a {@code MOVED}: the slot now belongs to {@code node}; the rest of the map is read again. */
    Uni<Void> moved(int slot, String node) {
        LOG.debugf("slot %d moved to %s: refreshing the cluster slot map", slot, node);
        return refresh()
                .invoke(() -> owners[slot] = node);
    }

    private synchronized void refreshed() {
        refreshing = null;
    }

    private void load(Response reply) {
        String[] map = new String[HashSlot.SLOTS];
        String seedHost = seed.endpoint().addresses().get(0);
        seedHost = seedHost.substring(0, seedHost.lastIndexOf(':'));
        for (Response range : reply) {
            int from = range.get(0).toInteger();
            int to = range.get(1).toInteger();
            Response master = range.get(2);
            String host = master.get(0) == null ? "" : master.get(0).toString();
            if (host.isEmpty() || "?".equals(host)) {
                host = seedHost;
            }
            String node = host + ":" + master.get(1).toInteger();
            for (int slot = from; slot <= to; slot++) {
                map[slot] = node;
            }
        }
        owners = map;
    }
}
