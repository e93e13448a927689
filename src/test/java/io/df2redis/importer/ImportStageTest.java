package io.df2redis.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationConfigLoader;
import io.df2redis.config.MigrationPaths;
import io.df2redis.migration.engine.StageResult;
import io.df2redis.resp.RedisEndpoints;
import io.df2redis.state.StageStatus;
import io.smallrye.mutiny.Uni;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The import stage as the engine sees it, configured from a migration file. */
class ImportStageTest extends ImporterFixture {

    @Test
    void copiesTheSourceWithTheImporterNamedInTheMigrationFile() throws Exception {
        try (RespClient client = sourceClient()) {
            TestData.load(client, 0, "stage", 120, 51);
            TestData.load(client, 1, "stage", 30, 52);
        }
        MigrationConfig config = config("scan");
        RedisEndpoints redis = new RedisEndpoints(vertx, config);
        ImportStage stage = new ImportStage(ImportStage.byName(List.of(new ScanImporter(redis, config, MigrationPaths.of(config)))),
                redis, config);

        StageResult result = await(stage.run(new TestStageContext()));

        assertEquals(StageStatus.SUCCEEDED, result.status(), result.message());
        assertTrue(result.message().startsWith("150 keys copied"), result.message());
        Keyspace.assertExactCopy(Keyspace.read(sourceServer.port(), 0), Keyspace.read(targetServer.port(), 0));
        Keyspace.assertExactCopy(Keyspace.read(sourceServer.port(), 1), Keyspace.read(targetServer.port(), 1));
    }

    @Test
    void failsPlainlyForAnImporterThisVersionDoesNotHave() throws Exception {
        MigrationConfig config = config("rdb");
        RedisEndpoints redis = new RedisEndpoints(vertx, config);
        ImportStage stage = new ImportStage(ImportStage.byName(List.of(new ScanImporter(redis, config, MigrationPaths.of(config)))),
                redis, config);

        StageResult result = await(stage.run(new TestStageContext()));

        assertEquals(StageStatus.FAILED, result.status());
        assertTrue(result.message().startsWith("importer rdb is not available in this version"), result.message());
        assertEquals(0L, targetServer.command("DBSIZE"));
    }

    @Test
    void refusesTwoImportersWithOneName() {
        Importer one = named("scan");
        Importer two = named("scan");

        IllegalStateException failure = assertThrows(IllegalStateException.class, () -> ImportStage.byName(List.of(one, two)));

        assertTrue(failure.getMessage().contains("two importers are named 'scan'"), failure.getMessage());
    }

    private static Importer named(String name) {
        return new Importer() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Uni<ImportResult> run(io.df2redis.migration.engine.StageContext context, TargetWriter writer) {
                return Uni.createFrom().failure(new UnsupportedOperationException());
            }
        };
    }

    private static MigrationConfig config(String importer) throws IOException {
        Path file = home.resolve("migrate-" + importer + ".yaml");
        Files.writeString(file, """
                source:
                  type: redis
                  addr: %s
                target:
                  type: redis-standalone
                  seed: %s
                stateDir: %s
                migrate:
                  mode: snapshot
                  importer: %s
                  snapshotPath: /nonexistent/dump.rdb
                  scanCount: 25
                  cutover:
                    batches: []
                """.formatted(sourceServer.address(), targetServer.address(), home.resolve("stage-state"), importer));
        return MigrationConfigLoader.load(file, Map.of());
    }
}
