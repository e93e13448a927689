package io.df2redis.importer;


import io.df2redis.bench.LauncherRuns;
import io.df2redis.local.LocalRedis;
import io.df2redis.testing.TempDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The whole snapshot plan as users run it: {@code target/df2redis migrate} on a migration file that
 * names only the two servers, a state directory and {@code migrate.mode: snapshot} (every other
 * setting is the file's default), against the reference measured in the same run (redis-cli --pipe
 * of the prepared RESTOREs, before and after each run). Prints each stage's time from the status
 * file, the launcher process's peak RSS, and verifies every copy. Run by bench/run-plan-bench.sh.
 */
public final class PlanBench {

    private PlanBench() {
    }

    public static void main(String[] args) throws Exception {
        int keys = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int runs = Integer.getInteger("bench.runs", 3);
        Path launcher = Path.of("target", "df2redis").toAbsolutePath();
        Path home = Files.createTempDirectory("df2redis-plan-bench-");
        long differences = 0;
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
                LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty())) {
            long started = System.nanoTime();
            ImportBench.generate(source, keys, new Random(7));
            System.out.printf("generated %d keys (+ big keys) in %.1f s%n", keys, (System.nanoTime() - started) / 1e9);
            Path reference = home.resolve("reference.resp");
            ImportBench.writeReference(source, reference);
            double referenceBefore = ImportBench.pipe(target, reference);
            List<Double> ratios = new ArrayList<>();
            long peakRssKb = 0;
            for (int run = 1; run <= runs; run++) {
                target.command("FLUSHALL");
                Path state = home.resolve("state-" + run);
                Path file = home.resolve("migrate-" + run + ".yaml");
                Files.writeString(file, "source: {type: redis, addr: \"" + source.address() + "\"}\n"
                        + "target: {seed: \"" + target.address() + "\"}\n"
                        + "stateDir: " + state + "\n"
                        + "migrate: {mode: snapshot" + importerSettings(source) + "}\n"
                        + verifySettings(run));
                long begin = System.nanoTime();
                ProcessBuilder migrate = new ProcessBuilder(launcher.toString(), "migrate", "--config", file.toString())
                        .redirectErrorStream(true).redirectOutput(home.resolve("migrate-" + run + ".log").toFile());
                String javaOpts = System.getProperty("bench.javaOpts");
                if (javaOpts != null) {
                    migrate.environment().put("JAVA_OPTS", javaOpts);
                }
                Process process = migrate.start();
                long runPeakKb = 0;
                while (!process.waitFor(50, TimeUnit.MILLISECONDS)) {
                    runPeakKb = Math.max(runPeakKb, LauncherRuns.peakRssKb(process.pid()));
                }
                double seconds = (System.nanoTime() - begin) / 1e9;
                if (process.exitValue() != 0) {
                    throw new IllegalStateException("migrate exited " + process.exitValue() + ": "
                            + Files.readString(home.resolve("migrate-" + run + ".log")));
                }
                peakRssKb = Math.max(peakRssKb, runPeakKb);
                long runDifferences = ImportBench.verify(source, target);
                differences += runDifferences;
                target.command("FLUSHALL");
                double referenceAfter = ImportBench.pipe(target, reference);
                double referenceMean = (referenceBefore + referenceAfter) / 2;
                ratios.add(referenceMean / seconds);
                System.out.println();
                System.out.printf("run %d of %d: the whole plan %.2f s (launcher start to exit), reference %.2f s (%.2f before, %.2f after): "
                        + "ratio %.2f; peak RSS %.0f MB (VmHWM, sampled every 50 ms); %s%n", run, runs, seconds, referenceMean,
                        referenceBefore, referenceAfter, referenceMean / seconds, runPeakKb / 1024.0,
                        runDifferences == 0 ? "exact copy" : runDifferences + " DIFFERENCES");
                System.out.printf("stages: %s%n", LauncherRuns.stageTimes(state.resolve("status.json")));
                referenceBefore = referenceAfter;
            }
            List<Double> sorted = ratios.stream().sorted().toList();
            System.out.println();
            System.out.printf("SUMMARY of %d runs of target/df2redis migrate (snapshot, the file's defaults): share of the reference's speed "
                    + "min %.2f / median %.2f / max %.2f; peak RSS at most %.0f MB; %s%n", runs, sorted.get(0), sorted.get(sorted.size() / 2),
                    sorted.get(sorted.size() - 1), peakRssKb / 1024.0, differences == 0 ? "every copy exact" : differences + " DIFFERENCES");
        } finally {
            TempDirs.delete(home);
        }
        System.exit(differences == 0 ? 0 : 1);
    }

    /**
     * {@code -Dbench.importer=rdb}: the embedded RDB importer on a snapshot the source saved just before
     * ({@code SAVE}); the scan importer (the file's default) otherwise.
     */
    /**
     * {@code -Dbench.verify=sample,sample+duringCopy,full,full+duringCopy}: the verify mode of the runs, with
     * {@code verify.duringCopy} on where marked, taken in turn (run 1 the first, run 2 the second, ...), so
     * that variants alternate on one host.
     */
    private static String verifySettings(int run) {
        String variants = System.getProperty("bench.verify", "");
        if (variants.isBlank()) {
            return "";
        }
        String[] each = variants.split(",");
        String[] variant = each[(run - 1) % each.length].trim().split("\\+");
        boolean duringCopy = variant.length > 1 && variant[1].equals("duringCopy");
        System.out.println("run " + run + " verify: mode " + variant[0] + (duringCopy ? ", duringCopy" : ""));
        return "verify: {mode: " + variant[0] + ", duringCopy: " + duringCopy + "}\n";
    }

    private static String importerSettings(LocalRedis source) throws Exception {
        if (!"rdb".equals(System.getProperty("bench.importer"))) {
            return "";
        }
        source.command("SAVE");
        @SuppressWarnings("unchecked")
        List<Object> dir = (List<Object>) source.command("CONFIG", "GET", "dir");
        @SuppressWarnings("unchecked")
        List<Object> name = (List<Object>) source.command("CONFIG", "GET", "dbfilename");
        return ", importer: rdb, snapshotPath: \"" + Path.of(String.valueOf(dir.get(1)), String.valueOf(name.get(1))) + "\"";
    }
}
