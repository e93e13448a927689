package io.df2redis.migration.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationConfigLoader;
import io.df2redis.config.MigrationPaths;
import io.df2redis.local.LocalRedis;
import io.df2redis.migration.engine.StageContext;
import io.df2redis.migration.engine.StageResult;
import io.df2redis.state.EventHub;
import io.df2redis.migration.journal.JournalDrain;
import io.df2redis.resp.RedisEndpoints;
import io.df2redis.state.StageStatus;
import io.df2redis.state.StatusStore;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The verify stage against a real source and target. */
class VerifyStageTest {

    @TempDir
    Path home;

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() {
        vertx.closeAndAwait();
    }

    /**
     * Steps: 300 keys on the source; the target holds them too, 200 of them with another value; a sample
     * verify (half the keys). The sample finds about two thirds differing, far above
     * {@code verify.maxDifferenceRate} (1 %): it does not pass on the strength of its repairs but escalates
     * (checkpointed) to full passes until one is clean, so every key is equal afterwards, not only the
     * sampled ones.
     */
    @Test
    void aSampleWithTooManyDifferencesEscalatesToFullPassesUntilClean() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty())) {
            load(source, target, 200);
            Context context = new Context();

            StageResult result = runStage(source, target, "sample", context);

            assertEquals(StageStatus.SUCCEEDED, result.status(), result.message());
            assertTrue(result.message().startsWith("full pass: 300 keys checked, 0 differences"), result.message());
            assertTrue(context.warnings.stream().anyMatch(w -> w.startsWith("the sample pass found ")
                    && w.endsWith(" %, repaired), more than verify.maxDifferenceRate (1.0 %): a full pass runs")), context.warnings.toString());
            assertEquals(true, context.checkpoint.get(VerifyStage.ESCALATED), "a resume runs full passes too");
            for (int i = 0; i < 300; i++) {
                assertEquals("right-" + i, target.command("GET", "k:" + i), "k:" + i);
            }
        }
    }

    /**
     * Steps: 300 keys, all different on the target; a full verify; after each pass has checked the keys,
     * every source key is changed behind the journal's back (as a client that bypasses the proxy would).
     * Each full pass repairs every key and the next finds them all different again: after three full
     * passes the stage blocks, saying what is likely wrong, instead of succeeding on its repairs.
     */
    @Test
    void blocksWhenFullPassesKeepFindingTooManyDifferences() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty())) {
            load(source, target, 300);
            Context context = new Context();
            int[] passes = {0};
            // Called once a page of keys is checked: the next pass finds every source key changed. A blocking
            // call to a local server, in a test only.
            context.onProgress = () -> {
                List<List<String>> changes = new ArrayList<>();
                passes[0]++;
                for (int i = 0; i < 300; i++) {
                    changes.add(List.of("SET", "k:" + i, "bypass-" + passes[0] + "-" + i));
                }
                try {
                    source.pipeline(changes);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            };

            StageResult result = runStage(source, target, "full", context);

            assertEquals(StageStatus.BLOCKED, result.status(), result.message());
            assertEquals("3 full passes in a row found too many differences (the last: 300 of the 300 keys checked differing "
                    + "(100.0 %, repaired), more than verify.maxDifferenceRate (1.0 %)): something other than df2redis writes the "
                    + "target, or writes reach the source without the proxy; stop it (CLIENT LIST on both sides shows who), then resume",
                    result.message());
        }
    }

    /**
     * Steps: a stream with the same entries on both sides and a consumer group that read 3 of them on the
     * source but none on the target; another stream whose group read the same entries on both sides, at
     * other moments (their DUMP payloads differ by the delivery times). A check of both keys with
     * {@code verify.rounds: 1} reports the first as a mismatch, not the second.
     */
    @Test
    void aConsumerGroupBehindOnTheTargetIsADifferenceButDeliveryTimesAreNot() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty())) {
            for (LocalRedis side : List.of(source, target)) {
                for (String stream : List.of("behind", "same")) {
                    side.pipeline(List.of(List.of("XADD", stream, "1-1", "n", "1"), List.of("XADD", stream, "1-2", "n", "2"),
                            List.of("XADD", stream, "1-3", "n", "3"), List.of("XADD", stream, "1-4", "n", "4"),
                            List.of("XGROUP", "CREATE", stream, "g", "0")));
                }
            }
            source.command("XREADGROUP", "GROUP", "g", "c", "COUNT", "3", "STREAMS", "behind", ">");
            for (LocalRedis side : List.of(source, target)) {
                side.command("XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", "same", ">");
            }
            // the target's deliveries dated otherwise (JUSTID: the delivery count stays)
            target.command("XCLAIM", "same", "g", "c", "0", "1-1", "1-2", "TIME", "1000", "JUSTID");
            assertTrue(!String.valueOf(source.command("DUMP", "same")).equals(String.valueOf(target.command("DUMP", "same"))),
                    "the payloads differ");
            Verifier verifier = verifier(source, target, 1);

            Verifier.Report report = verifier.keys(0, List.of("behind".getBytes(), "same".getBytes())).await().atMost(Duration.ofSeconds(30));

            assertEquals(1, report.mismatched, report.summary());
            assertEquals(List.of("behind"), report.mismatchedKeys);
        }
    }

    /** A verifier over the two sides with {@code rounds}, on an empty journal (nothing in flight). */
    private Verifier verifier(LocalRedis source, LocalRedis target, int rounds) throws Exception {
        Files.createDirectories(home.resolve("state/wal"));
        Path file = home.resolve("migrate.yaml");
        Files.writeString(file, """
                source: {type: redis, addr: "%s"}
                target: {seed: "%s"}
                stateDir: state
                verify: {rounds: %d, recheckTimeout: 5s}
                """.formatted(source.address(), target.address(), rounds));
        MigrationConfig config = MigrationConfigLoader.load(file, Map.of());
        MigrationPaths paths = new MigrationPaths(home, home.resolve("state"), home.resolve("state/status.json"), home.resolve("state/wal"));
        StatusStore store = StatusStore.open(paths.statusFile());
        RedisEndpoints redis = new RedisEndpoints(vertx, config);
        return new Verifier(config, paths, redis, new JournalDrain(config, paths, redis, store, new EventHub(store, 50)), store);
    }

    /**
     * Steps: 300 keys on both sides, k:0 different on the target though the copy's list of differences is empty
     * (as if it had changed there after the copy verified it, outside the journal), one key only on the target;
     * the import checkpoint says the copy verified every batch; a {@code full} verify stage checks only what that
     * leaves: it finds and repairs the key only on the target, compares no source key, so k:0 stays as it is.
     */
    @Test
    void aFullStageAfterACopyVerifiedBatchByBatchChecksOnlyTheKeysOnTheTargetAloneAndTheDirtyOnes() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty())) {
            load(source, target, 1);
            target.command("SET", "only-on-target", "x");
            Context context = new Context();

            StageResult result = runStage(source, target, "full, duringCopy: true", context,
                    store -> store.update(s -> s.stageOrCreate("import").checkpoint.put("verifiedDuringCopy", true)));

            assertEquals(StageStatus.SUCCEEDED, result.status(), result.message());
            assertTrue(result.message().startsWith("full pass: 0 keys checked, 1 differences (0 transient, 1 repaired)"), result.message());
            assertEquals(0L, target.command("EXISTS", "only-on-target"));
            assertEquals("wrong-0", target.command("GET", "k:0"), "no source key compared");
        }
    }

    /** 300 keys on the source and on the target, the first {@code wrong} of them with another value on the target. */
    private static void load(LocalRedis source, LocalRedis target, int wrong) throws java.io.IOException {
        List<List<String>> onSource = new ArrayList<>();
        List<List<String>> onTarget = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            onSource.add(List.of("SET", "k:" + i, "right-" + i));
            onTarget.add(List.of("SET", "k:" + i, i < wrong ? "wrong-" + i : "right-" + i));
        }
        source.pipeline(onSource);
        target.pipeline(onTarget);
    }

    /** The verify stage (sample passes over half the keys) with its drain, on an empty journal. */
    private StageResult runStage(LocalRedis source, LocalRedis target, String mode, Context context) throws Exception {
        return runStage(source, target, mode, context, store -> { });
    }

    private StageResult runStage(LocalRedis source, LocalRedis target, String mode, Context context,
            java.util.function.Consumer<StatusStore> before) throws Exception {
        Files.createDirectories(home.resolve("state/wal"));
        Path file = home.resolve("migrate.yaml");
        Files.writeString(file, """
                source: {type: redis, addr: "%s"}
                target: {seed: "%s"}
                stateDir: state
                consistency: {sampleRate: 0.5}
                verify: {mode: %s, rounds: 3, recheckTimeout: 5s}
                """.formatted(source.address(), target.address(), mode));
        MigrationConfig config = MigrationConfigLoader.load(file, Map.of());
        MigrationPaths paths = new MigrationPaths(home, home.resolve("state"), home.resolve("state/status.json"), home.resolve("state/wal"));
        StatusStore store = StatusStore.open(paths.statusFile());
        RedisEndpoints redis = new RedisEndpoints(vertx, config);
        JournalDrain drain = new JournalDrain(config, paths, redis, store, new EventHub(store, 50));
        VerifyStage stage = new VerifyStage(new Verifier(config, paths, redis, drain, store), drain, config, store);
        before.accept(store);
        try {
            return stage.run(context).await().atMost(Duration.ofSeconds(60));
        } finally {
            drain.stop().await().atMost(Duration.ofSeconds(30));
            store.close();
        }
    }

    /** An in-memory stage context: the checkpoint and the warnings. */
    private static final class Context implements StageContext {
        final Map<String, Object> checkpoint = new LinkedHashMap<>();
        final List<String> warnings = new CopyOnWriteArrayList<>();
        Runnable onProgress = () -> { };

        @Override
        public String stage() {
            return "verify";
        }

        @Override
        public Map<String, Object> checkpoint() {
            return new LinkedHashMap<>(checkpoint);
        }

        @Override
        public Uni<Void> saveCheckpoint(Map<String, Object> saved) {
            checkpoint.clear();
            checkpoint.putAll(saved);
            return Uni.createFrom().voidItem();
        }

        @Override
        public void progress(long done, Long total, String unit) {
            onProgress.run();
        }

        @Override
        public void finding(String name, Object value) {
        }

        @Override
        public void metric(String name, double value) {
        }

        @Override
        public void info(String message) {
        }

        @Override
        public void warn(String message) {
            warnings.add(message);
        }

        @Override
        public boolean cancelled() {
            return false;
        }

        @Override
        public int attempt() {
            return 1;
        }

        @Override
        public boolean resumed() {
            return false;
        }
    }
}
