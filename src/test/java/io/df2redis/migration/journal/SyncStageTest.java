package io.df2redis.migration.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationConfigLoader;
import io.df2redis.config.MigrationPaths;
import io.df2redis.local.LocalRedis;
import io.df2redis.migration.engine.DetachedStageContext;
import io.df2redis.migration.engine.StageResult;
import io.df2redis.resp.RedisEndpoints;
import io.df2redis.state.StageStatus;
import io.vertx.mutiny.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal drain against a real source and target, on journal segments in the plugin's format:
 * dirty keys are copied with their TTL, a key gone from the source is deleted on the target, a key
 * written twice is read once, a torn last line ends the read, applied segments are deleted.
 */
class SyncStageTest {

    @TempDir
    Path home;

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() {
        vertx.closeAndAwait();
    }

    @Test
    void drainsDirtyKeysFromTheSourceIntoTheTarget() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty())) {
            source.command("SET", "changed", "new-value", "PX", "500000");
            source.command("HSET", "hash", "f", "v");
            target.command("SET", "changed", "old-value");
            target.command("SET", "deleted", "still-on-target");
            target.command("SET", "not-dirty", "left-alone");
            Path wal = Files.createDirectories(home.resolve("state/wal"));
            Files.writeString(wal.resolve("journal-00000000000000000001.log"), String.join("\n",
                    intent(1, "set", "changed"), "C 2 1 1 ok", intent(3, "hset", "hash"), "C 4 1 3 ok", ""));
            Files.writeString(wal.resolve("journal-00000000000000000005.log"), String.join("\n",
                    intent(5, "del", "deleted"), "C 6 1 5 ok", intent(7, "set", "changed"), "I 8 17000"));

            DetachedStageContext context = new DetachedStageContext("sync");
            StageResult result = stage(source, target).run(context).await().atMost(Duration.ofSeconds(30));

            assertEquals(StageStatus.SUCCEEDED, result.status(), result.message());
            assertEquals("new-value", target.command("GET", "changed"));
            long ttl = (Long) target.command("PTTL", "changed");
            assertTrue(ttl > 400_000 && ttl <= 500_000, "the TTL came along: " + ttl);
            assertEquals("v", target.command("HGET", "hash", "f"));
            assertEquals(null, target.command("GET", "deleted"), "a key gone from the source is deleted on the target");
            assertEquals("left-alone", target.command("GET", "not-dirty"), "only dirty keys are touched");
            assertTrue(result.message().contains("journal drained to sequence 7"), result.message());
            assertFalse(Files.exists(wal.resolve("journal-00000000000000000001.log")), "a fully applied segment is deleted");
            assertTrue(Files.exists(wal.resolve("journal-00000000000000000005.log")), "the newest segment stays");
        }
    }

    private SyncStage stage(LocalRedis source, LocalRedis target) throws Exception {
        Path file = home.resolve("migrate.yaml");
        Files.writeString(file, """
                source: {type: redis, addr: "%s"}
                target: {seed: "%s"}
                stateDir: state
                """.formatted(source.address(), target.address()));
        MigrationConfig config = MigrationConfigLoader.load(file, Map.of());
        MigrationPaths paths = new MigrationPaths(home, home.resolve("state"), home.resolve("state/status.json"), home.resolve("state/wal"));
        return new SyncStage(new RedisEndpoints(vertx, config), config, paths);
    }

    private static String intent(long seq, String command, String key) {
        return "I " + seq + " " + System.currentTimeMillis() + " 0 " + command + " "
                + Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8));
    }
}
