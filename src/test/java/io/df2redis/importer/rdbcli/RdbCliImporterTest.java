package io.df2redis.importer.rdbcli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationConfigLoader;
import io.df2redis.config.MigrationPaths;
import io.df2redis.importer.ImportResult;
import io.df2redis.importer.TooManyFailuresException;
import io.df2redis.local.LocalRedis;
import io.df2redis.migration.engine.StageContext;
import io.df2redis.resp.RedisEndpoints;
import io.df2redis.state.StatusStore;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.mutiny.core.Vertx;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rdb-cli importer against a stand-in rmt that follows rmt's documented contract (arguments,
 * the \r progress line, failure lines in its log, exit codes) and records what it received, and
 * a real Redis target. The real rmt runs when {@code DF2REDIS_RMT} points at one.
 */
class RdbCliImporterTest {

    @TempDir
    static Path home;
    static LocalRedis target;
    static Vertx vertx;

    @BeforeAll
    static void start() throws Exception {
        target = LocalRedis.start(home.resolve("target"), Optional.of("rmt-target-pw"));
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() {
        target.close();
        vertx.closeAndAwait();
    }

    @Test
    void passesOnlyFlagsRmtHasAndItsKnobsAsSystemProperties() throws Exception {
        Path rmt = standIn("args");
        ImportResult result = importer(rmt, "replace", 0, 6).run(new Recording(false), null).await().atMost(Duration.ofSeconds(30));

        List<String> args = Files.readAllLines(rmt.getParent().getParent().resolve("args.txt"));
        assertEquals(List.of("-s", home.resolve("dump.rdb").toString(), "-m",
                "redis://" + target.address() + "?authPassword=rmt-target-pw", "-r"), args);
        String options = Files.readString(rmt.getParent().getParent().resolve("java-tool-options.txt")).trim();
        assertEquals("-Dmigrate_threads=4 -Dmigrate_batch_size=64 -Ddump_rdb_version=10 -Denable_progress_bar=true", options,
                "concurrency 6 becomes 4 threads (a power of two); Redis 7.0 loads RDB 10");
        assertEquals(0, result.failures());
    }

    @Test
    void theProgressLineBecomesProgress() throws Exception {
        Recording context = new Recording(false);
        importer(standIn("progress"), "replace", 0, 4).run(context, null).await().atMost(Duration.ofSeconds(30));
        assertTrue(context.progress.contains(List.of(1_000_000L, 2_000_000L)), "half way: " + context.progress);
        assertTrue(context.progress.contains(List.of(2_000_000L, 2_000_000L)), "done: " + context.progress);
    }

    @Test
    void failuresAreCountedFromTheLogBecauseRmtExitsZero() throws Exception {
        Path rmt = standIn("failures");
        TooManyFailuresException tooMany = assertThrows(TooManyFailuresException.class,
                () -> importer(rmt, "replace", 0, 4, "failures").run(new Recording(false), null).await().atMost(Duration.ofSeconds(30)));
        assertTrue(tooMany.getMessage().contains("3 keys failed"), tooMany.getMessage());
        assertTrue(tooMany.getMessage().contains("DUMP payload version or checksum are wrong"), tooMany.getMessage());

        ImportResult tolerated = importer(rmt, "replace", 5, 4, "failures").run(new Recording(false), null)
                .await().atMost(Duration.ofSeconds(30));
        assertEquals(3, tolerated.failures(), "only this run's log lines count, not the earlier run's");
        assertEquals(1, tolerated.skippedExisting());
        assertEquals(1, tolerated.skippedExpired());
    }

    @Test
    void exit255IsExplainedWithTheLastLogLines() throws Exception {
        IllegalStateException failed = assertThrows(IllegalStateException.class,
                () -> importer(standIn("connect"), "replace", 0, 4, "connect-fail").run(new Recording(false), null)
                        .await().atMost(Duration.ofSeconds(30)));
        assertTrue(failed.getMessage().contains("exit 255"), failed.getMessage());
        assertTrue(failed.getMessage().contains("Connection refused"), failed.getMessage());
        assertFalse(failed.getMessage().contains("rmt-target-pw"));
    }

    @Test
    void skipExistingLeavesOutReplaceAndAResumedRunPutsItBack() throws Exception {
        Path rmt = standIn("policy");
        importer(rmt, "skip-existing", 0, 4).run(new Recording(false), null).await().atMost(Duration.ofSeconds(30));
        assertFalse(Files.readAllLines(rmt.getParent().getParent().resolve("args.txt")).contains("-r"));
        importer(rmt, "skip-existing", 0, 4).run(new Recording(true), null).await().atMost(Duration.ofSeconds(30));
        assertTrue(Files.readAllLines(rmt.getParent().getParent().resolve("args.txt")).contains("-r"),
                "rmt has no resume: a resumed stage runs it again with -r");
    }

    @Test
    void cancellingTheImportKillsRmt() throws Exception {
        Path rmt = standIn("hang");
        Uni<ImportResult> run = importer(rmt, "replace", 0, 4, "hang").run(new Recording(false), null);
        Cancellable subscription = run.subscribe().with(r -> { }, e -> { });
        Path pidFile = rmt.getParent().getParent().resolve("pid.txt");
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(pidFile) && !Files.readString(pidFile).isBlank());
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(pid).map(p -> p.descendants().count() > 0).orElse(false));
        List<ProcessHandle> tree = new ArrayList<>(ProcessHandle.of(pid).orElseThrow().descendants().toList());
        subscription.cancel();
        await().atMost(Duration.ofSeconds(10)).until(() -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
                && tree.stream().noneMatch(ProcessHandle::isAlive));
    }

    @Test
    void aClusterTargetIsGivenAsANodesConfWrittenFromClusterNodes() throws Exception {
        try (LocalRedis node = LocalRedis.start(home.resolve("cluster-node"), Optional.empty(), "--cluster-enabled", "yes",
                "--cluster-config-file", "nodes.conf")) {
            node.command("CLUSTER", "ADDSLOTSRANGE", "0", "16383");
            await().atMost(Duration.ofSeconds(20)).until(() -> String.valueOf(node.command("CLUSTER", "INFO")).contains("cluster_state:ok"));
            Path rmt = standIn("cluster");
            Path file = home.resolve("migrate-cluster.yaml");
            Files.write(home.resolve("dump.rdb"), new byte[2_000_000]);
            Files.writeString(file, """
                    source: {addr: "127.0.0.1:1"}
                    target: {type: redis-cluster, seed: "%s"}
                    stateDir: state-cluster
                    migrate: {mode: snapshot, importer: rdb-cli, snapshotPath: %s, rdbToolBinary: %s}
                    """.formatted(node.address(), home.resolve("dump.rdb"), rmt));
            MigrationConfig config = MigrationConfigLoader.load(file, Map.of());
            StatusStore store = StatusStore.open(home.resolve("state-cluster/status.json"));
            MigrationPaths paths = new MigrationPaths(home, home.resolve("state-cluster"), store.file(), home.resolve("state-cluster/wal"));
            new RdbCliImporter(config, paths, new RedisEndpoints(vertx, config), store).run(new Recording(false), null)
                    .await().atMost(Duration.ofSeconds(30));

            List<String> args = Files.readAllLines(rmt.getParent().getParent().resolve("args.txt"));
            Path nodesConf = home.resolve("state-cluster/rmt/nodes.conf");
            assertEquals(List.of("-s", home.resolve("dump.rdb").toString(), "-c", nodesConf.toString(), "-r"), args);
            String conf = Files.readString(nodesConf);
            assertTrue(conf.contains(node.address()) && conf.contains("master") && conf.contains("0-16383"), conf);
        }
    }

    @Test
    void theRealRmtLoadsASnapshotWhenOneIsInstalled() throws Exception {
        String real = System.getenv("DF2REDIS_RMT");
        assumeTrue(real != null && Files.isExecutable(Path.of(real)),
                "DF2REDIS_RMT does not point at redis-rdb-cli's rmt: the real-tool test is skipped");
        try (LocalRedis source = LocalRedis.start(home.resolve("real-source"), Optional.empty())) {
            source.command("SET", "real:key", "value");
            Process save = new ProcessBuilder("redis-cli", "-p", String.valueOf(source.port()), "--rdb",
                    home.resolve("dump.rdb").toString()).redirectErrorStream(true).start();
            assertEquals(0, save.waitFor());
            importer(Path.of(real), "replace", 0, 4).run(new Recording(false), null).await().atMost(Duration.ofMinutes(2));
            assertEquals("value", target.command("GET", "real:key"));
        }
    }

    private RdbCliImporter importer(Path rmt, String policy, int maxFailures, int concurrency) throws Exception {
        return importer(rmt, policy, maxFailures, concurrency, "ok");
    }

    private RdbCliImporter importer(Path rmt, String policy, int maxFailures, int concurrency, String mode) throws Exception {
        Path snapshot = home.resolve("dump.rdb");
        if (!Files.exists(snapshot)) {
            Files.write(snapshot, new byte[2_000_000]);
        }
        Path file = home.resolve("migrate-" + System.nanoTime() + ".yaml");
        Files.writeString(file, """
                source: {addr: "127.0.0.1:1"}
                target: {seed: "%s", password: "rmt-target-pw"}
                stateDir: state
                migrate:
                  mode: snapshot
                  importer: rdb-cli
                  snapshotPath: %s
                  rdbToolBinary: %s
                  conflictPolicy: %s
                  maxFailures: %d
                  concurrency: %d
                  pipeline: 64
                """.formatted(target.address(), snapshot, rmt, policy, maxFailures, concurrency));
        MigrationConfig config = MigrationConfigLoader.load(file, Map.of());
        StatusStore store = StatusStore.open(home.resolve("state/status-" + System.nanoTime() + ".json"));
        MigrationPaths paths = new MigrationPaths(home, home.resolve("state"), store.file(), home.resolve("state/wal"));
        return new RdbCliImporter(config, paths, new RedisEndpoints(vertx, config), store, Map.of("STANDIN_MODE", mode));
    }

    /** Copies the stand-in into a fresh install directory (bin/rmt, log/) of its own. */
    private static Path standIn(String name) throws Exception {
        Path bin = Files.createDirectories(home.resolve("rmt-" + name + "/bin"));
        Path rmt = bin.resolve("rmt");
        try (InputStream in = RdbCliImporterTest.class.getResourceAsStream("/rmt-standin/bin/rmt")) {
            Files.copy(in, rmt, StandardCopyOption.REPLACE_EXISTING);
        }
        rmt.toFile().setExecutable(true);
        return rmt;
    }

    /** A context that records progress and knows whether the stage resumed. */
    static final class Recording implements StageContext {
        final List<List<Long>> progress = Collections.synchronizedList(new ArrayList<>());
        private final boolean resumed;

        Recording(boolean resumed) {
            this.resumed = resumed;
        }

        @Override
        public String stage() {
            return "import";
        }

        @Override
        public Map<String, Object> checkpoint() {
            return Map.of();
        }

        @Override
        public Uni<Void> saveCheckpoint(Map<String, Object> checkpoint) {
            return Uni.createFrom().voidItem();
        }

        @Override
        public void progress(long done, Long total, String unit) {
            progress.add(List.of(done, total));
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
            return resumed;
        }
    }
}
