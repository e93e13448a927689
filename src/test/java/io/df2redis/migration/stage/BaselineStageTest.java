package io.df2redis.migration.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationConfigLoader;
import io.df2redis.local.LocalRedis;
import io.df2redis.migration.engine.DetachedStageContext;
import io.df2redis.migration.engine.StageResult;
import io.df2redis.resp.RedisEndpoints;
import io.df2redis.state.StageStatus;
import io.vertx.mutiny.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The baseline stage against a real source: no pass over the keyspace. Its counts come from one
 * {@code INFO keyspace}, which the source's own {@code INFO commandstats} shows: no SCAN, no TYPE.
 */
class BaselineStageTest {

    @TempDir
    Path home;

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() {
        vertx.closeAndAwait();
    }

    /**
     * Steps: 300 keys in db0 and 40 in db2 on the source, plus a {@code MIGRATE_BASE_TS} an earlier run
     * left; reset the source's command statistics; run the stage; check the counts per database (own key
     * left out), T0 on both sides, and that the source answered no SCAN and no TYPE.
     */
    @Test
    void countsKeysPerDatabaseFromInfoKeyspaceWithoutScanningTheSource() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty())) {
            for (int i = 0; i < 300; i++) {
                source.command("SET", "k:" + i, "v" + i);
            }
            for (int i = 0; i < 40; i++) {
                source.command("HSET", "h:" + i, "f", "v");
                source.command("MOVE", "h:" + i, "2");
            }
            source.command("SET", "MIGRATE_BASE_TS", "1");
            source.command("CONFIG", "RESETSTAT");

            Path file = home.resolve("migrate.yaml");
            Files.writeString(file, """
                    source: {type: redis, addr: "%s"}
                    target: {seed: "%s"}
                    stateDir: state
                    """.formatted(source.address(), target.address()));
            MigrationConfig config = MigrationConfigLoader.load(file, Map.of());
            DetachedStageContext context = new DetachedStageContext("baseline");
            StageResult result = new BaselineStage(new RedisEndpoints(vertx, config), config).run(context)
                    .await().atMost(Duration.ofSeconds(30));

            assertEquals(StageStatus.SUCCEEDED, result.status(), result.message());
            @SuppressWarnings("unchecked")
            Map<String, Object> inventory = (Map<String, Object>) context.findings().get("inventory");
            assertEquals(340L, inventory.get("keys"), "df2redis's own key is not counted: " + inventory);
            assertEquals(Map.of("db0", 300L, "db2", 40L), inventory.get("perDb"));
            String t0 = String.valueOf(context.findings().get("t0"));
            assertEquals(t0, source.command("GET", "MIGRATE_BASE_TS"));
            assertEquals(t0, target.command("GET", "MIGRATE_BASE_TS"));

            String stats = String.valueOf(source.command("INFO", "commandstats"));
            assertTrue(stats.contains("cmdstat_info:"), "the statistics are read: " + stats);
            assertFalse(stats.contains("cmdstat_scan:"), "the baseline does not SCAN the source: " + stats);
            assertFalse(stats.contains("cmdstat_type:"), "nor TYPE its keys: " + stats);
        }
    }
}
