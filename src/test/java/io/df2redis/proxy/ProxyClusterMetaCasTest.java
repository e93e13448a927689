package io.df2redis.proxy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.df2redis.local.LocalRedis;
import io.df2redis.contract.resp.RespClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy runtime in front of a 3-master Redis Cluster target: writes are mirrored into the
 * cluster and every meta update lands on the master that owns the meta key's slot.
 */
class ProxyClusterMetaCasTest {

    @TempDir
    Path home;

    @Test
    void metaUpdatesGoToTheMasterOfEachSlot() throws Exception {
        Process proxy = null;
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
                io.df2redis.testing.LocalRedisCluster cluster = io.df2redis.testing.LocalRedisCluster.start(home, 3)) {
            List<LocalRedis> nodes = cluster.nodes();
            String script = Files.readString(Path.of("lua/meta_cas.lua"));
            String sha = null;
            for (LocalRedis node : nodes) {
                sha = (String) node.command("SCRIPT", "LOAD", script);
            }
            String seeds = String.join(",", nodes.stream().map(LocalRedis::address).toList());
            Path wal = Files.createDirectories(home.resolve("wal"));
            Files.writeString(wal.resolve("hook.json"), "{\"enableCas\":true,\"scriptSha\":\"" + sha + "\",\"script\":\""
                    + script.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\",\"metaKeyPattern\":\"meta:{%s}\","
                    + "\"targetHost\":\"127.0.0.1\",\"targetPort\":" + nodes.get(0).port() + ",\"targetUser\":null,\"targetPassword\":null,"
                    + "\"targetCluster\":true}");
            Files.writeString(home.resolve("route.json"), "{\"type\":\"simple\",\"operation\":{\"type\":\"rw_separate\",\"read\":\"redis://@"
                    + source.address() + "\",\"write\":{\"type\":\"multi\",\"resources\":[\"redis://@" + source.address()
                    + "\",\"redis-cluster://@" + seeds + "\"]}}}");
            int port = LocalRedis.freePort();
            Files.writeString(home.resolve("proxy.properties"), String.join("\n", "listen.port=" + port,
                    "console.port=" + LocalRedis.freePort(), "console.token=cluster-test", "route.file=" + home.resolve("route.json"), "journal.dir=" + wal, ""));
            Path jar = ProxyRuntime.extract(home.resolve("runtime"));
            proxy = io.df2redis.testing.ProxyJarProcess.start(jar, home.resolve("proxy.properties"), "192m");

            RespClient app = new RespClient("127.0.0.1", port, Optional.empty());
            List<List<String>> writes = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                writes.add(List.of("SET", "user:" + i, "v" + i));
            }
            // The hook file is read within a second of the proxy's start: write until the meta keys appear.
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                app.pipeline(writes);
                return metaKeys(nodes) == 200;
            });
            for (LocalRedis node : nodes) {
                long metas = count(node, "meta:*");
                assertTrue(metas > 20, node.address() + " holds the meta keys of its slots: " + metas);
                assertEquals(count(node, "user:*"), metas, "each master holds the meta key next to its data key (same slot)");
            }
        } finally {
            if (proxy != null) {
                proxy.destroy();
                proxy.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static long metaKeys(List<LocalRedis> nodes) throws Exception {
        long total = 0;
        for (LocalRedis node : nodes) {
            total += count(node, "meta:*");
        }
        return total;
    }

    private static long count(LocalRedis node, String pattern) throws Exception {
        return ((List<?>) node.command("KEYS", pattern)).size();
    }
}
