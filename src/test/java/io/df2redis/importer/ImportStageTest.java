package io.df2redis.importer;

import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationConfigLoader;
import io.df2redis.config.MigrationPaths;
import io.df2redis.contract.resp.RespConnection;
import io.df2redis.copy.TargetWriter;
import io.df2redis.importer.scan.ScanImporter;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The import stage as the engine sees it, configured from a migration file. */
class ImportStageTest extends ImporterFixture {

    @Test
    void copiesTheSourceWithTheImporterNamedInTheMigrationFile() throws Exception {
        try (RespConnection client = sourceClient()) {
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

    /**
     * A copy that listed every database from its start in one attempt, with every write acknowledged,
     * proves completeness by itself: the source is walked once (the target sees no EXISTS of a second
     * walk). A resumed copy is checked key by key.
     */
    @Test
    void aCopyInOnePassWithoutFailuresWalksTheSourceOnceAndAResumedOneIsChecked() throws Exception {
        try (RespConnection client = sourceClient()) {
            TestData.load(client, 0, "one", 400, 61);
        }
        MigrationConfig config = config("scan");
        ImportStage stage = scanStage(config);
        targetServer.command("CONFIG", "RESETSTAT");
        StageResult fresh = await(stage.run(new TestStageContext()));
        assertEquals(StageStatus.SUCCEEDED, fresh.status(), fresh.message());
        assertTrue(fresh.message().contains(ImportStage.ONE_PASS), fresh.message());
        assertTrue(!String.valueOf(targetServer.command("INFO", "commandstats")).contains("cmdstat_exists"),
                "no second walk: " + targetServer.command("INFO", "commandstats"));

        targetServer.command("FLUSHALL");
        TestStageContext first = new TestStageContext();
        await(stage.run(first));
        TestStageContext resumed = new TestStageContext(first.checkpoint(), Integer.MAX_VALUE);
        StageResult checked = await(stage.run(resumed));
        assertEquals(StageStatus.SUCCEEDED, checked.status(), checked.message());
        assertTrue(checked.message().contains("the target holds"), "a resumed copy is checked key by key: " + checked.message());
        Keyspace.assertExactCopy(Keyspace.read(sourceServer.port(), 0), Keyspace.read(targetServer.port(), 0));
    }

    /**
     * Steps: 1,500 keys of 1 KB; the target out of memory after a few hundred (maxmemory, noeviction); the
     * import fails with the failed keys counted. Then the target's limit is lifted and the import resumes
     * from its checkpoint: the keys that failed before the checkpoint's cursor are copied again, and the
     * target is an exact copy.
     */
    @Test
    void keysThatFailedAreCopiedAgainOnResume() throws Exception {
        loadKilobyteKeys(0, "oom", 1500);
        MigrationConfig config = config("scan");
        ImportStage stage = scanStage(config);
        limitTargetMemory(400 * 1024);
        TestStageContext first = new TestStageContext();

        StageResult failed;
        try {
            failed = await(stage.run(first));
        } finally {
            targetServer.command("CONFIG", "SET", "maxmemory", "0");
        }
        assertEquals(StageStatus.FAILED, failed.status(), failed.message());
        assertTrue(failed.message().contains("could not be copied, more than migrate.maxFailures (0)"), failed.message());
        assertTrue(((Number) first.checkpoint().get("failures")).longValue() > 0, first.checkpoint().toString());
        assertTrue((Long) targetServer.command("DBSIZE") < 1500);

        TestStageContext resumed = new TestStageContext(first.checkpoint(), Integer.MAX_VALUE);
        StageResult result = await(stage.run(resumed));

        assertEquals(StageStatus.SUCCEEDED, result.status(), result.message());
        assertTrue(result.message().contains("the target holds 1500 of the 1500 keys the source holds"), result.message());
        assertTrue(resumed.metrics.get("import_keys_copied_again") > 0, resumed.metrics.toString());
        Keyspace.assertExactCopy(Keyspace.read(sourceServer.port(), 0), Keyspace.read(targetServer.port(), 0));
    }

    /**
     * Steps: 300 keys in db 0 and 200 in db 2; a checkpoint that says the copy finished (as if edited, or
     * written for another target) and a target out of memory. Nothing is copied, and the stage fails naming
     * each database's gap instead of succeeding.
     */
    @Test
    void failsNamingEachDatabasesGapWhenTheTargetLacksKeys() throws Exception {
        Files.deleteIfExists(home.resolve("stage-state/failures.jsonl"));
        loadKilobyteKeys(0, "gap", 300);
        loadKilobyteKeys(2, "gap", 200);
        MigrationConfig config = config("scan");
        Map<String, Object> finished = Map.of("databases", List.of(0, 2), "dbIndex", 2, "cursor", "0");
        limitTargetMemory(0);

        StageResult result;
        try {
            result = await(scanStage(config).run(new TestStageContext(finished, Integer.MAX_VALUE)));
        } finally {
            targetServer.command("CONFIG", "SET", "maxmemory", "0");
        }

        assertEquals(StageStatus.FAILED, result.status(), result.message());
        assertTrue(result.message().startsWith("the target lacks 500 keys the source holds, more than migrate.maxFailures (0): "
                + "db 0: expected 300, found 0; db 2: expected 200, found 0; fix the cause listed per key in "), result.message());
        assertTrue(result.message().endsWith(" and resume: the missing keys are copied again"), result.message());
        assertEquals(500, Files.readAllLines(home.resolve("stage-state/failures.jsonl")).size());
    }

    /**
     * Steps: 100 keys in each of dbs 0 to 3; a damaged checkpoint whose database index (7) is past the end
     * of its list. The import says so, copies everything again, and the target is an exact copy.
     */
    @Test
    void aCheckpointPastTheLastDatabaseIsCopiedAgainFromTheStart() throws Exception {
        for (int db = 0; db < 4; db++) {
            try (RespConnection client = sourceClient()) {
                TestData.load(client, db, "past", 100, 60 + db);
            }
        }
        MigrationConfig config = config("scan");
        TestStageContext context = new TestStageContext(Map.of("databases", List.of(0, 1, 2, 3), "dbIndex", 7, "cursor", "0",
                "copied", 409_670), Integer.MAX_VALUE);

        StageResult result = await(scanStage(config).run(context));

        assertEquals(StageStatus.SUCCEEDED, result.status(), result.message());
        assertTrue(context.warnings.contains("the import checkpoint is damaged (database index 7 of the databases [0, 1, 2, 3]): "
                + "copying every database again from the start"), context.warnings.toString());
        for (int db = 0; db < 4; db++) {
            Keyspace.assertExactCopy(Keyspace.read(sourceServer.port(), db), Keyspace.read(targetServer.port(), db));
        }
    }

    /**
     * Steps: 100 keys in each of dbs 0, 1 and 3; a checkpoint that lists only db 0 and says it is done (the
     * source gained databases, or the checkpoint was cut). The check after the copy finds dbs 1 and 3
     * missing and copies them: the stage succeeds only with every key on the target.
     */
    @Test
    void databasesACheckpointLeftOutAreCopiedBeforeTheStageSucceeds() throws Exception {
        for (int db : new int[] {0, 1, 3}) {
            try (RespConnection client = sourceClient()) {
                TestData.load(client, db, "left", 100, 70 + db);
            }
        }
        MigrationConfig config = config("scan");
        TestStageContext context = new TestStageContext(Map.of("databases", List.of(0), "dbIndex", 1, "cursor", "0"),
                Integer.MAX_VALUE);

        StageResult result = await(scanStage(config).run(context));

        assertEquals(StageStatus.SUCCEEDED, result.status(), result.message());
        assertTrue(result.message().contains("the target holds 300 of the 300 keys the source holds in 3 database(s) (300 copied again)"),
                result.message());
        for (int db : new int[] {0, 1, 3}) {
            Keyspace.assertExactCopy(Keyspace.read(sourceServer.port(), db), Keyspace.read(targetServer.port(), db));
        }
    }

    private static ImportStage scanStage(MigrationConfig config) {
        RedisEndpoints redis = new RedisEndpoints(vertx, config);
        return new ImportStage(ImportStage.byName(List.of(new ScanImporter(redis, config, MigrationPaths.of(config)))), redis, config);
    }

    private static void loadKilobyteKeys(int db, String prefix, int count) {
        String value = "v".repeat(1024);
        try (RespConnection client = sourceClient()) {
            client.ok("SELECT", String.valueOf(db));
            List<Object[]> commands = new java.util.ArrayList<>();
            for (int i = 0; i < count; i++) {
                commands.add(new Object[] {"SET", prefix + ":" + i, value + i});
            }
            client.pipeline(commands);
        }
    }

    /** The target refuses writes once it uses {@code room} bytes more than now (no eviction). */
    private static void limitTargetMemory(long room) throws IOException {
        String info = String.valueOf(targetServer.command("INFO", "memory"));
        long used = info.lines().filter(line -> line.startsWith("used_memory:"))
                .mapToLong(line -> Long.parseLong(line.substring("used_memory:".length()).trim())).findFirst().orElseThrow();
        targetServer.command("CONFIG", "SET", "maxmemory-policy", "noeviction");
        targetServer.command("CONFIG", "SET", "maxmemory", String.valueOf(used + Math.max(room, 1)));
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
