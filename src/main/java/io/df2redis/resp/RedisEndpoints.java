package io.df2redis.resp;

import io.df2redis.contract.cluster.ClusterNodes;
import io.df2redis.config.MigrationConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The clients of both sides, created from the migration file at run time (the endpoints are not
 * known at build time, so the named clients of quarkus-redis-client do not fit) and closed at shutdown.
 */
@ApplicationScoped
public class RedisEndpoints {

    private final Vertx vertx;
    private final MigrationConfig config;
    private final Map<String, RedisSide> sides = new ConcurrentHashMap<>();

    public RedisEndpoints(Vertx vertx, MigrationConfig config) {
        this.vertx = vertx;
        this.config = config;
    }

    public RedisSide source() {
        return sides.computeIfAbsent("source", k -> side(RedisEndpoint.source(config)));
    }

    public RedisSide target() {
        return sides.computeIfAbsent("target", k -> side(RedisEndpoint.target(config)));
    }

    /**
     * The target's masters, each as its own standalone client: for a cluster from {@code CLUSTER NODES},
     * for a standalone target just the target.
     */
    public Uni<List<RedisSide>> targetMasters() {
        RedisEndpoint endpoint = RedisEndpoint.target(config);
        if (!endpoint.cluster()) {
            return Uni.createFrom().item(List.of(target()));
        }
        return target().send(Command.CLUSTER, "NODES")
                .map(reply -> {
                    List<RedisSide> masters = new ArrayList<>();
                    for (String address : ClusterNodes.masters(reply.toString())) {
                        RedisEndpoint node = new RedisEndpoint("target", List.of(address), endpoint.user(),
                                endpoint.password(), endpoint.tls(), false);
                        masters.add(sides.computeIfAbsent("target-node " + address, k -> side(node)));
                    }
                    return masters;
                });
    }

    /** A standalone client of one node of the target cluster (host:port), with the target's credentials. */
    public RedisSide targetNode(String address) {
        RedisEndpoint endpoint = RedisEndpoint.target(config);
        return sides.computeIfAbsent("target-node " + address, k -> side(new RedisEndpoint("target", List.of(address),
                endpoint.user(), endpoint.password(), endpoint.tls(), false)));
    }

    private RedisSide side(RedisEndpoint endpoint) {
        return new RedisSide(vertx, endpoint, config.engine().remoteTimeout(), Math.max(2, config.migrate().concurrency() * 2));
    }

    void close(@Observes ShutdownEvent event) {
        sides.values().forEach(RedisSide::close);
        sides.clear();
    }
}
