package io.df2redis.it;

import io.df2redis.contract.resp.RespConnection;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.df2redis.local.LocalRedis;
import io.df2redis.contract.resp.RespClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy outlives the service, with the packaged jar and the migration file's defaults.
 *
 * <p>Steps: {@code migrate} in live mode starts the proxy; an application connects through it while
 * the plan runs; the plan ends (exit 0) and says the proxy keeps serving; the application's same
 * connection still works and its write lands on the new primary; {@code serve} adopts the running
 * proxy (same pid); stopping the service leaves the proxy serving; {@code df2redis proxy stop}
 * retires it.
 */
@ExtendWith(ServiceLogOnFailure.class)
class ProxyRestoreIT {

    @TempDir
    Path home;

    @Test
    void theProxyOutlivesMigrateAndTheServiceUntilTheOperatorRetiresIt() throws Exception {
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
            RespClient app = new RespClient("127.0.0.1", proxyPort, Optional.empty());
            try {
                outlivesAndIsRetired(file, statusFile, app, proxyPort, target);
            } finally {
                // A failed assertion must not leave the proxy serving after the test.
                io.df2redis.proxy.ProxyProcess.find(home.resolve("state/proxy"))
                        .ifPresent(left -> io.df2redis.proxy.ProxyProcess.terminate(left, Duration.ofSeconds(5)));
            }
        }
    }

    private void outlivesAndIsRetired(Path file, Path statusFile, RespClient app, int proxyPort, LocalRedis target) throws Exception {
        long pid;
        try (Df2redisProcess migrate = Df2redisProcess.start(home, Map.of(), "migrate", "--config", file.toString())) {
            await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() -> "PONG".equals(app.command("PING")));
            try (RespConnection connected = app.connect()) {
                assertEquals("OK", connected.command("SET", "during", "1"));
                assertEquals(0, migrate.await(120), migrate.stdout() + migrate.stderr());
                String[] lines = migrate.stdout().strip().split("\n");
                assertTrue(lines[lines.length - 1].contains("proxy.left-running: the proxy keeps serving applications on 127.0.0.1:"
                        + proxyPort) && lines[lines.length - 1].contains("df2redis proxy stop"),
                        "migrate's last line says the proxy keeps serving: " + lines[lines.length - 1]);
                JsonNode afterMigrate = StatusFiles.read(statusFile);
                assertEquals("left-running", afterMigrate.path("proxy").path("state").asText());
                pid = afterMigrate.path("proxy").path("pid").asLong();
                assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the proxy outlives migrate");
                assertTrue(Files.readString(home.resolve("state/proxy/proxy.log")).contains("DF2REDIS-PROXY READY port=" + proxyPort),
                        "the proxy writes its output to a file of its own, not to a pipe that ends with the service");
                assertEquals("OK", connected.command("SET", "after-migrate", "yes"), "a connection made during the plan still works");
            }
        }
        assertEquals("yes", target.command("GET", "after-migrate"), "after the cleanup the proxy passes writes to the new primary");

        try (Df2redisProcess serve = Df2redisProcess.start(home, Map.of("DF2REDIS_CONFIG", file.toString()), "serve")) {
            await().atMost(Duration.ofSeconds(90)).until(() -> "running".equals(
                    StatusFiles.read(statusFile).path("proxy").path("state").asText()));
            assertEquals(pid, StatusFiles.read(statusFile).path("proxy").path("pid").asLong(), "serve adopts the running proxy");
            assertEquals("OK", app.command("SET", "adopted", "yes"));
            serve.process().toHandle().destroy();
            serve.await(30);
        }
        assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "stopping the service leaves the proxy serving");
        assertEquals("OK", app.command("SET", "after-serve", "yes"));

        Df2redisProcess.Run stop = Df2redisProcess.run(home, Map.of(), "proxy", "stop", "--config", file.toString());
        assertEquals(0, stop.exit(), stop.all());
        assertTrue(stop.stdout().contains("proxy (pid " + pid + ") stopped"), stop.stdout());
        await().atMost(Duration.ofSeconds(10)).until(() -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        assertFalse(Files.exists(home.resolve("state/proxy/proxy.pid")));
    }
}
