package io.df2redis.testing;

import io.df2redis.local.LocalRedis;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A Redis Cluster of {@code masters} local {@code redis-server} processes on free loopback ports
 * (no replicas), joined by {@code redis-cli --cluster create}, returned once every node reports
 * {@code cluster_state:ok}.
 */
public final class LocalRedisCluster implements AutoCloseable {

    private final List<LocalRedis> nodes;

    private LocalRedisCluster(List<LocalRedis> nodes) {
        this.nodes = nodes;
    }

    public static LocalRedisCluster start(Path home, int masters) throws IOException, InterruptedException {
        List<LocalRedis> nodes = new ArrayList<>();
        List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        try {
            for (int i = 0; i < masters; i++) {
                LocalRedis node = LocalRedis.start(home.resolve("node-" + i), Optional.empty(), "--cluster-enabled", "yes",
                        "--cluster-config-file", "nodes.conf", "--cluster-port", String.valueOf(LocalRedis.freePort()));
                nodes.add(node);
                create.add(node.address());
            }
            create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
            Path log = home.resolve("cluster-create.log");
            Process created = new ProcessBuilder(create).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!created.waitFor(60, TimeUnit.SECONDS) || created.exitValue() != 0) {
                throw new IOException("redis-cli --cluster create failed: " + Files.readString(log));
            }
            long deadline = System.currentTimeMillis() + 30_000;
            while (!nodes.stream().allMatch(LocalRedisCluster::ok)) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IOException("the cluster did not reach cluster_state:ok within 30 s");
                }
                Thread.sleep(100);
            }
            return new LocalRedisCluster(nodes);
        } catch (IOException | InterruptedException | RuntimeException e) {
            nodes.forEach(LocalRedis::close);
            throw e;
        }
    }

    private static boolean ok(LocalRedis node) {
        try {
            return String.valueOf(node.command("CLUSTER", "INFO")).contains("cluster_state:ok");
        } catch (IOException e) {
            return false;
        }
    }

    public List<LocalRedis> nodes() {
        return nodes;
    }

    /** The seed list: every node's address, comma-separated. */
    public String seeds() {
        return String.join(",", nodes.stream().map(LocalRedis::address).toList());
    }

    /** The node that owns {@code key}'s slot (asked of the first node). */
    public LocalRedis ownerOf(String key) throws IOException {
        long slot = (Long) nodes.get(0).command("CLUSTER", "KEYSLOT", key);
        for (Object range : (List<?>) nodes.get(0).command("CLUSTER", "SLOTS")) {
            List<?> fields = (List<?>) range;
            if ((Long) fields.get(0) <= slot && slot <= (Long) fields.get(1)) {
                long port = (Long) ((List<?>) fields.get(2)).get(1);
                return nodes.stream().filter(n -> n.port() == port).findFirst().orElseThrow();
            }
        }
        throw new IOException("no node owns slot " + slot);
    }

    @Override
    public void close() {
        nodes.forEach(LocalRedis::close);
    }
}
