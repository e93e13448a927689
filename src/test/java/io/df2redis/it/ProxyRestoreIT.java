package io.df2redis.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.df2redis.local.LocalRedis;
import io.df2redis.local.RespClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy's life across service runs, with the packaged jar.
 *
 * <p>Steps: {@code migrate} in live mode starts the proxy (start-proxy succeeds) and stops it when
 * the command ends; {@code serve} later brings it back on its route, writes through it reach both
 * sides; SIGTERM to the service leaves no proxy process behind.
 */
@ExtendWith(ServiceLogOnFailure.class)
class ProxyRestoreIT {

    @TempDir
    Path home;

    @Test
    void aRestartedServiceBringsTheProxyBackAndStoppingItLeavesNoProxy() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty())) {
            int proxyPort = LocalRedis.freePort();
            Path file = home.resolve("migrate.yaml");
            Files.writeString(file, """
                    source: {type: redis, addr: "%s"}
                    target: {seed: "%s"}
                    stateDir: state
                    dashboard: {addr: "127.0.0.1:%d"}
                    proxy: {endpoint: "127.0.0.1:%d", consolePort: %d, heap: 192m}
                    migrate: {mode: live}
                    """.formatted(source.address(), target.address(), LocalRedis.freePort(), proxyPort, LocalRedis.freePort()));
            Path statusFile = home.resolve("state/status.json");

            Df2redisProcess.Run migrate = Df2redisProcess.run(home, Map.of(), "migrate", "--config", file.toString());
            assertEquals(0, migrate.exit(), migrate.all());
            assertTrue(migrate.stdout().contains("[start-proxy] stage.succeeded"), migrate.stdout());
            JsonNode afterMigrate = StatusFiles.read(statusFile);
            assertEquals("stopped", afterMigrate.path("proxy").path("state").asText());
            long firstPid = afterMigrate.path("proxy").path("pid").asLong();
            assertFalse(ProcessHandle.of(firstPid).map(ProcessHandle::isAlive).orElse(false), "migrate left no proxy");

            try (Df2redisProcess serve = Df2redisProcess.start(home, Map.of("DF2REDIS_CONFIG", file.toString()), "serve")) {
                await().atMost(Duration.ofSeconds(90)).until(() -> "running".equals(
                        StatusFiles.read(statusFile).path("proxy").path("state").asText()));
                long pid = StatusFiles.read(statusFile).path("proxy").path("pid").asLong();
                RespClient app = new RespClient("127.0.0.1", proxyPort, Optional.empty());
                assertEquals("OK", app.command("SET", "restored", "yes"));
                assertEquals("yes", target.command("GET", "restored"));
                assertEquals(null, source.command("GET", "restored"),
                        "the migration ended with the cleanup: the restored proxy keeps its last route, pass-through to the target");

                serve.process().toHandle().destroy();
                serve.await(30);
                assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "stopping the service stops the proxy");
            }
        }
    }
}
