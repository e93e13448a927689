package io.df2redis.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.df2redis.config.MigrationConfig;
import io.df2redis.copy.BatchCheck;
import io.df2redis.importer.scan.ScanImporter;
import io.df2redis.config.MigrationConfigLoader;
import io.df2redis.config.MigrationPaths;
import io.df2redis.contract.resp.RespConnection;
import io.df2redis.migration.engine.StageResult;
import io.df2redis.state.EventHub;
import io.df2redis.migration.journal.JournalDrain;
import io.df2redis.migration.verify.CopyBatchCheck;
import io.df2redis.migration.verify.Verifier;
import io.df2redis.resp.RedisEndpoints;
import io.df2redis.state.StageStatus;
import io.df2redis.state.StatusStore;
import io.smallrye.mutiny.Uni;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The scan copy with {@code verify.duringCopy}: each written batch is compared with the source before the
 * checkpoint moves past it, and the full verify pass that follows checks only what that leaves.
 */
class CopyVerificationTest extends ImporterFixture {

    private static final int KEYS = 1000;

    private MigrationConfig config;
    private MigrationPaths paths;
    private RedisEndpoints redis;
    private StatusStore store;
    private JournalDrain drain;
    private Verifier verifier;

    @BeforeEach
    void components() throws Exception {
        Path state = home.resolve("copy-verify-state-" + System.nanoTime());
        Files.createDirectories(state.resolve("wal"));
        Path file = state.resolve("migrate.yaml");
        Files.writeString(file, """
                source: {type: redis, addr: "%s"}
                target: {type: redis-standalone, seed: "%s"}
                stateDir: %s
                migrate: {mode: snapshot, importer: scan, scanCount: 50, cutover: {batches: []}}
                engine: {checkpointEvery: 1}
                verify: {mode: full, rounds: 2, recheckTimeout: 5s, duringCopy: true}
                """.formatted(sourceServer.address(), targetServer.address(), state));
        config = MigrationConfigLoader.load(file, Map.of());
        paths = MigrationPaths.of(config);
        redis = new RedisEndpoints(vertx, config);
        store = StatusStore.open(paths.statusFile());
        drain = new JournalDrain(config, paths, redis, store, new EventHub(store, 50));
        verifier = new Verifier(config, paths, redis, drain, store);
        try (RespConnection client = sourceClient()) {
            TestData.load(client, 0, "cv", KEYS, 71);
        }
    }

    @AfterEach
    void stop() {
        drain.stop().await().atMost(WAIT);
        store.close();
    }

    /**
     * Steps: a copy whose first batch check finds one of the batch's keys changed on the target after the
     * batch was written (as a foreign writer would); the copy counts every key verified and that one differing,
     * and lists it; then a key only on the target; the full pass after the verified copy compares that one key
     * again (not the thousand the copy verified), finds the key only on the target, and repairs both.
     */
    @Test
    void aKeyCorruptedAfterItsBatchWasWrittenIsFoundAndTheFullPassChecksOnlyWhatTheCopyLeft() throws Exception {
        AtomicReference<byte[]> corrupted = new AtomicReference<>();
        BatchCheck corruptingFirst = around(new CopyBatchCheck(verifier, config, paths), (db, keys) -> {
            if (corrupted.compareAndSet(null, keys.get(0))) {
                try (RespConnection client = targetClient()) {
                    client.pipeline(List.<Object[]>of(new Object[] {"SET", keys.get(0), "corrupted"}));
                }
            }
        });
        TestStageContext context = new TestStageContext();

        StageResult result = await(stage(corruptingFirst).run(context));

        assertEquals(StageStatus.SUCCEEDED, result.status(), result.message());
        assertEquals(KEYS, context.metrics.get("import_keys_verified"), context.metrics.toString());
        assertEquals(1.0, context.metrics.get("import_keys_verified_differing"), context.metrics.toString());
        assertTrue(BatchCheck.verifiedDuringCopy(context.checkpoint()), context.checkpoint().toString());
        assertEquals(1, Files.readAllLines(paths.stateDir().resolve("copy-differences.jsonl")).size());

        targetServer.command("SET", "only-on-target", "x");
        await(drain.ensureRunning(0));
        Verifier.Report report = await(verifier.afterVerifiedCopy(r -> { }));

        // compared: the one key the copy found differing (the target's keys are only looked up on the source)
        assertEquals(1, report.checked, report.summary());
        assertEquals(2, report.differences, report.summary());
        assertEquals(2, report.repaired, report.summary());
        assertEquals(0, report.mismatched, report.summary());
        Keyspace.assertExactCopy(Keyspace.read(sourceServer.port(), 0), Keyspace.read(targetServer.port(), 0));
    }

    /**
     * Steps: a copy stopped after a few checkpoints, then resumed from the last one; the keys checked by the
     * resumed attempt are at most those the checkpoint does not cover, and the keys verified in all are every key.
     */
    @Test
    void aResumedCopyDoesNotVerifyAgainWhatItsCheckpointCovers() throws Exception {
        AtomicLong checked = new AtomicLong();
        BatchCheck counting = around(new CopyBatchCheck(verifier, config, paths), (db, keys) -> checked.addAndGet(keys.size()));
        TestStageContext first = new TestStageContext().failSavesAfter(5);
        await(stage(counting).run(first).onFailure().recoverWithNull());
        long covered = ((Number) first.checkpoint().get("verified")).longValue();
        assertTrue(covered > 0 && covered < KEYS, "the first attempt verified part of the keys: " + first.checkpoint());

        checked.set(0);
        TestStageContext resumed = new TestStageContext(first.checkpoint(), Integer.MAX_VALUE);
        StageResult result = await(stage(counting).run(resumed));

        assertEquals(StageStatus.SUCCEEDED, result.status(), result.message());
        assertTrue(checked.get() <= KEYS - covered, checked.get() + " keys checked again, " + covered + " covered by the checkpoint");
        assertEquals((double) KEYS, resumed.metrics.get("import_keys_verified"), resumed.metrics.toString());
        assertTrue(BatchCheck.verifiedDuringCopy(resumed.checkpoint()), resumed.checkpoint().toString());
    }

    private ImportStage stage(BatchCheck check) {
        return new ImportStage(ImportStage.byName(List.of(new ScanImporter(redis, config, paths, check))), redis, config);
    }

    /** What a test does to the keys of a batch before the real check compares them. */
    private interface BeforeCheck {
        void accept(int db, List<byte[]> keys) throws Exception;
    }

    private static BatchCheck around(BatchCheck check, BeforeCheck before) {
        return new BatchCheck() {
            @Override
            public boolean enabled() {
                return check.enabled();
            }

            @Override
            public Batches open() {
                Batches batches = check.open();
                return new Batches() {
                    @Override
                    public Uni<Long> check(int db, List<byte[]> keys) {
                        return Uni.createFrom().item(() -> {
                                    try {
                                        before.accept(db, keys);
                                        return keys;
                                    } catch (Exception e) {
                                        throw new IllegalStateException(e);
                                    }
                                })
                                // a blocking test client: off the event loop
                                .runSubscriptionOn(io.smallrye.mutiny.infrastructure.Infrastructure.getDefaultWorkerPool())
                                .chain(k -> batches.check(db, keys));
                    }

                    @Override
                    public Uni<Void> close() {
                        return batches.close();
                    }
                };
            }
        };
    }
}
