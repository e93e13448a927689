package io.df2redis.migration.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The snapshot stage against a real redis-server: a save, a failing save, and a given file. */
class SnapshotStageTest {

    @TempDir
    Path home;

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() {
        vertx.closeAndAwait();
    }

    @Test
    void bgsaveMakesACompleteRdbFileAndTheStageFindsIt() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty())) {
            source.command("SET", "k", "v");
            DetachedStageContext context = new DetachedStageContext("snapshot");
            StageResult result = stage(source, "trigger: true").run(context).await().atMost(Duration.ofSeconds(30));
            assertEquals(StageStatus.SUCCEEDED, result.status(), result.message());
            Path path = Path.of((String) context.findings().get("path"));
            assertEquals(home.resolve("source/dump.rdb"), path);
            assertTrue(Files.size(path) > 9);
        }
    }

    @Test
    void aFailedSaveFailsTheStageWithTheServersOwnError() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty(), "--enable-protected-configs", "yes")) {
            source.command("SET", "k", "v");
            Path gone = Files.createDirectories(home.resolve("vanishing"));
            assertEquals("OK", source.command("CONFIG", "SET", "dir", gone.toString()));
            try (Stream<Path> files = Files.walk(gone)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
            RuntimeException failed = assertThrows(RuntimeException.class,
                    () -> stage(source, "trigger: true").run(new DetachedStageContext("snapshot")).await().atMost(Duration.ofSeconds(30)));
            assertTrue(failed.getMessage().contains("rdb_last_bgsave_status:err"), failed.getMessage());
        }
    }

    @Test
    void withoutTriggerTheGivenFileIsCheckedToBeRdb() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty())) {
            Path notRdb = home.resolve("dragonfly-own-format.dfs");
            Files.writeString(notRdb, "DFS-not-an-rdb-file-at-all");
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> stage(source, "trigger: false", notRdb).run(new DetachedStageContext("snapshot")).await().atMost(Duration.ofSeconds(30)));
            assertTrue(refused.getMessage().contains("not an RDB file"), refused.getMessage());
        }
    }

    @Test
    void onDragonflyItAsksForTheRdbFormAndReadsTheSavedFileFromInfo() throws Exception {
        Path saved = home.resolve("df2redis-base.rdb");
        byte[] minimal = new byte[18];
        System.arraycopy("REDIS0011".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, minimal, 0, 9);
        minimal[9] = (byte) 0xFF;
        Files.write(saved, minimal);
        try (RecordedDragonfly dragonfly = new RecordedDragonfly(saved.toString())) {
            DetachedStageContext context = new DetachedStageContext("snapshot");
            StageResult result = stage(dragonfly.address(), "trigger: true, name: df2redis-base", null).run(context)
                    .await().atMost(Duration.ofSeconds(30));
            assertEquals(StageStatus.SUCCEEDED, result.status(), result.message());
            assertTrue(dragonfly.received.stream().anyMatch(c -> c.size() == 3 && c.get(0).equalsIgnoreCase("BGSAVE")
                    && c.get(1).equals("RDB") && c.get(2).equals("df2redis-base")), dragonfly.received.toString());
            assertEquals(saved.toString(), context.findings().get("path"));
        }
    }

    private SnapshotStage stage(LocalRedis source, String snapshot) throws Exception {
        return stage(source.address(), snapshot, null);
    }

    private SnapshotStage stage(LocalRedis source, String snapshot, Path snapshotPath) throws Exception {
        return stage(source.address(), snapshot, snapshotPath);
    }

    private SnapshotStage stage(String sourceAddress, String snapshot, Path snapshotPath) throws Exception {
        Path file = home.resolve("migrate-" + System.nanoTime() + ".yaml");
        Files.writeString(file, """
                source: {type: redis, addr: "%s"}
                target: {seed: "127.0.0.1:1"}
                migrate:
                  mode: snapshot
                  importer: rdb
                  %s
                  snapshot: {%s, pollInterval: 100ms, timeout: 20s}
                """.formatted(sourceAddress, snapshotPath == null ? "" : "snapshotPath: " + snapshotPath, snapshot));
        MigrationConfig config = MigrationConfigLoader.load(file, Map.of());
        MigrationPaths paths = new MigrationPaths(home, home.resolve("state"), home.resolve("state/status.json"), home.resolve("state/wal"));
        return new SnapshotStage(new RedisEndpoints(vertx, config), config, paths);
    }
}
