package io.df2redis.importer;

import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationConfigLoader;
import io.df2redis.config.MigrationPaths;
import io.df2redis.local.LocalRedis;
import io.df2redis.state.EventHub;
import io.df2redis.migration.journal.JournalDrain;
import io.df2redis.migration.verify.Verifier;
import io.df2redis.resp.RedisEndpoints;
import io.df2redis.state.StatusStore;
import io.df2redis.testing.TempDirs;
import io.vertx.mutiny.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * A full verify pass against the copy it verifies, in the same run (not a test): per run, the scan
 * importer copies the import bench's mixed dataset into an empty target (the migration file's default
 * settings), then the verifier compares both sides in {@code full} mode, in the same JVM. Prints the keys
 * per second of each and their ratio (verify over copy: 1 or more means the verification is as fast as
 * the copy). Run by bench/run-verify-bench.sh.
 */
public final class VerifyBench {

    private VerifyBench() {
    }

    public static void main(String[] args) throws Exception {
        int keys = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int runs = Integer.getInteger("bench.runs", 3);
        Path home = Files.createTempDirectory("df2redis-verify-bench-");
        Vertx vertx = Vertx.vertx();
        List<Double> ratios = new ArrayList<>();
        long differences = 0;
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
                LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty())) {
            ImportBench.generate(source, keys, new Random(7));
            for (int run = 1; run <= runs; run++) {
                target.command("FLUSHALL");
                Path state = home.resolve("state-" + run);
                Files.createDirectories(state.resolve("wal"));
                ImportBenchRun.Copy copy = ImportBenchRun.copy(vertx, source.address(), target.address(), state);
                double copyRate = copy.result().copied() / copy.seconds();

                Path file = home.resolve("migrate-" + run + ".yaml");
                Files.writeString(file, "source: {type: redis, addr: \"" + source.address() + "\"}\n"
                        + "target: {seed: \"" + target.address() + "\"}\n"
                        + "stateDir: " + state + "\n");
                MigrationConfig config = MigrationConfigLoader.load(file, Map.of());
                MigrationPaths paths = new MigrationPaths(home, state, state.resolve("status.json"), state.resolve("wal"));
                StatusStore store = StatusStore.open(paths.statusFile());
                RedisEndpoints redis = new RedisEndpoints(vertx, config);
                JournalDrain drain = new JournalDrain(config, paths, redis, store, new EventHub(store, 50));
                Verifier verifier = new Verifier(config, paths, redis, drain, store);
                long started = System.nanoTime();
                Verifier.Report report = verifier.scanPass(1.0, r -> { }).await().atMost(Duration.ofMinutes(30));
                double verifySeconds = (System.nanoTime() - started) / 1e9;
                double verifyRate = report.checked / verifySeconds;
                store.close();
                differences += report.differences;
                ratios.add(verifyRate / copyRate);
                System.out.printf("run %d of %d: copy %d keys in %.2f s (%.0f keys/s); full verify %d keys in %.2f s (%.0f keys/s), "
                        + "%d differences; verify/copy %.2f%n", run, runs, copy.result().copied(), copy.seconds(), copyRate,
                        report.checked, verifySeconds, verifyRate, report.differences, verifyRate / copyRate);
            }
        } finally {
            vertx.closeAndAwait();
            TempDirs.delete(home);
        }
        List<Double> sorted = ratios.stream().sorted().toList();
        System.out.printf("SUMMARY of %d runs: full verify keys/s over copy keys/s min %.2f / median %.2f / max %.2f (in run order: %s); %s%n",
                runs, sorted.get(0), sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1),
                ratios.stream().map(r -> String.format("%.2f", r)).collect(java.util.stream.Collectors.joining(" ")),
                differences == 0 ? "0 differences" : differences + " DIFFERENCES");
        System.exit(differences == 0 ? 0 : 1);
    }
}
