package io.df2redis.migration.journal;

import io.df2redis.migration.engine.Orientation;
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
import io.df2redis.state.EventHub;
import io.df2redis.state.StatusStore;
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
    private StatusStore store;
    private JournalDrain drain;

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
                    intent(5, "del", "deleted"), "C 6 1 5 ok", intent(7, "set", "changed"), "C 8 1 7 ok", "I 9 17000"));

            DetachedStageContext context = new DetachedStageContext("sync");
            SyncStage stage = stage(source, target);
            drain.verifiedThrough(8);
            StageResult result = stage.run(context).await().atMost(Duration.ofSeconds(30));
            drain.stop().await().atMost(Duration.ofSeconds(30));

            assertEquals(StageStatus.SUCCEEDED, result.status(), result.message());
            assertEquals("new-value", target.command("GET", "changed"));
            long ttl = (Long) target.command("PTTL", "changed");
            assertTrue(ttl > 400_000 && ttl <= 500_000, "the TTL came along: " + ttl);
            assertEquals("v", target.command("HGET", "hash", "f"));
            assertEquals(null, target.command("GET", "deleted"), "a key gone from the source is deleted on the target");
            assertEquals("left-alone", target.command("GET", "not-dirty"), "only dirty keys are touched");
            assertTrue(result.message().contains("caught up at sequence 8"), result.message());
            assertFalse(Files.exists(wal.resolve("journal-00000000000000000001.log")), "a fully applied segment is deleted");
            assertTrue(Files.exists(wal.resolve("journal-00000000000000000005.log")), "the newest segment stays");
        }
    }

    /**
     * The drain reads the source for a key only once the primary answered its write: an intent
     * without its commit record holds the drain back (the write may not have reached the source yet);
     * the commit lets it through. Repairs go through the same loop, and the reversed drain reads the
     * target and writes the source.
     */
    @Test
    void waitsForTheCommitRepairsThroughTheLoopAndDrainsInReverse() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty())) {
            source.command("SET", "pending", "on-source");
            Path wal = Files.createDirectories(home.resolve("state/wal"));
            Path segment = wal.resolve("journal-00000000000000000001.log");
            Files.writeString(segment, intent(1, "set", "pending") + "\n");
            stage(source, target);
            drain.ensureRunning(0).await().atMost(Duration.ofSeconds(10));

            org.awaitility.Awaitility.await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                    .until(() -> drain.applied() == 0 && target.command("GET", "pending") == null);
            Files.writeString(segment, "C 2 1 1 ok\n", java.nio.file.StandardOpenOption.APPEND);
            drain.awaitApplied(2, Duration.ofSeconds(10)).await().atMost(Duration.ofSeconds(15));
            assertEquals("on-source", target.command("GET", "pending"), "copied once its write was answered");

            target.command("SET", "repaired", "wrong");
            source.command("SET", "repaired", "right");
            drain.repair(0, java.util.List.of("repaired".getBytes(StandardCharsets.UTF_8))).await().atMost(Duration.ofSeconds(15));
            assertEquals("right", target.command("GET", "repaired"), "a repair copies from the authoritative side");

            drain.switchDirection(Orientation.Direction.REVERSE).await().atMost(Duration.ofSeconds(10));
            target.command("SET", "written-on-target", "after-the-flip");
            Files.writeString(segment, intent(3, "set", "written-on-target") + "\nC 4 1 3 ok\n", java.nio.file.StandardOpenOption.APPEND);
            drain.awaitApplied(4, Duration.ofSeconds(10)).await().atMost(Duration.ofSeconds(15));
            assertEquals("after-the-flip", source.command("GET", "written-on-target"), "reversed: the target is read, the source written");
            assertEquals("on-source", source.command("GET", "pending"), "the source is never written but by the reversed drain");
            drain.stop().await().atMost(Duration.ofSeconds(30));
            assertTrue(Files.exists(segment), "a segment not verified yet is kept for the dirty-key verification");
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
        store = StatusStore.open(paths.statusFile());
        drain = new JournalDrain(config, paths, new RedisEndpoints(vertx, config), store, new EventHub(store, 50));
        return new SyncStage(drain);
    }

    private static String intent(long seq, String command, String key) {
        return "I " + seq + " " + System.currentTimeMillis() + " 0 " + command + " "
                + Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8));
    }
}
