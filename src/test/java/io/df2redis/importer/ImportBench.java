package io.df2redis.importer;

import io.df2redis.contract.resp.RespConnection;
import io.df2redis.contract.resp.RespClient;
import io.df2redis.local.LocalRedis;
import io.df2redis.testing.TempDirs;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Benchmark of the scan importer against a reference measured in the same run (run it with
 * {@code bench/run-import-bench.sh [N]}; not a unit test).
 *
 * <p>Steps: start a source and a target {@code redis-server} on free ports; write N keys into the source
 * (70% strings of 16-512 bytes, 10% hashes of 5-50 fields, 8% lists, 6% sets, 6% zsets, 30% with a TTL,
 * plus the big keys: a 200k-field hash, a 500k-member zset, a 100k-element list, a 10 MB string); prepare the reference: every key as {@code RESTORE ... REPLACE ABSTTL} in a RESP
 * file, timed while {@code redis-cli --pipe} feeds it to the empty target. Then {@code bench.runs} times
 * (default 3): empty the target; run the importer in a child JVM (so that its peak RSS is the importer's
 * alone); verify the copy; time the reference again; print the run's figures, its ratio taken against the
 * references just before and just after it. Last, the summary: min / median / max of the ratios.
 */
public final class ImportBench {

    private ImportBench() {
    }

    public static void main(String[] args) throws Exception {
        int keys = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Path home = Files.createTempDirectory("df2redis-bench-");
        long differences;
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
                LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty())) {
            long started = System.nanoTime();
            generate(source, keys, new Random(7));
            System.out.printf("generated %d keys (+ big keys) in %.1f s; source used_memory %s%n", keys,
                    seconds(started), field(source, "memory", "used_memory_human"));

            Path reference = home.resolve("reference.resp");
            long payloadBytes = writeReference(source, reference);
            double referenceBefore = pipe(target, reference);
            long referenceKeys = (Long) target.command("DBSIZE");
            System.out.printf("reference: redis-cli --pipe of %d prepared RESTOREs (%.1f MB payload): %.2f s%n",
                    referenceKeys, payloadBytes / 1048576.0, referenceBefore);
            int runs = Integer.getInteger("bench.runs", 3);
            List<Double> ratios = new ArrayList<>();
            long peakRssKb = 0;
            differences = 0;
            for (int runNumber = 1; runNumber <= runs; runNumber++) {
                target.command("FLUSHALL");
                source.command("CONFIG", "RESETSTAT");
                target.command("CONFIG", "RESETSTAT");
                double[] cpuBefore = {cpuSeconds(source), cpuSeconds(target)};
                ImportRun run;
                String timeline;
                try (CpuTimeline cpu = new CpuTimeline()) {
                    cpu.watch("source", source.process().pid());
                    cpu.watch("target", target.process().pid());
                    run = importInChildJvm(source, target, home, cpu);
                    timeline = cpu.report();
                }
                double[] cpuAfter = {cpuSeconds(source), cpuSeconds(target)};
                String sourceCommands = commandTimes(source);
                String targetCommands = commandTimes(target);
                long runDifferences = verify(source, target);
                differences += runDifferences;
                // The host's speed drifts: a reference after each import too, and the ratio against the two around it.
                target.command("FLUSHALL");
                double referenceAfter = pipe(target, reference);
                double referenceMean = (referenceBefore + referenceAfter) / 2;
                ratios.add(referenceMean / run.seconds);
                peakRssKb = Math.max(peakRssKb, run.peakRssKb);

                long total = (Long) source.command("DBSIZE");
                System.out.println();
                System.out.printf("run %d of %d%n", runNumber, runs);
                System.out.printf("keys                %d%n", total);
                System.out.printf("importer wall time  %.2f s  (%.0f keys/s, %.1f MB/s of DUMP payload)%n",
                        run.seconds, run.keys / run.seconds, run.bytes / 1048576.0 / run.seconds);
                System.out.printf("reference           %.2f s  (%.0f keys/s, %.1f MB/s), the mean of %.2f s before and %.2f s after%n",
                        referenceMean, referenceKeys / referenceMean, payloadBytes / 1048576.0 / referenceMean, referenceBefore,
                        referenceAfter);
                System.out.printf("ratio importer/ref  %.2f (time), %.0f%% of the reference's keys/s (%.0f%% against the one before only)%n",
                        run.seconds / referenceMean, 100 * referenceMean / run.seconds, 100 * referenceBefore / run.seconds);
                System.out.printf("importer peak RSS   %.0f MB (child JVM VmHWM)%n", run.peakRssKb / 1024.0);
                System.out.printf("CPU during import   importer %.1f s (%.1f s with its start), source redis %.1f s, target redis %.1f s (wall %.1f s, 2 cores)%n",
                        run.importCpuSeconds, run.cpuSeconds, cpuAfter[0] - cpuBefore[0], cpuAfter[1] - cpuBefore[1], run.seconds);
                System.out.printf("CPU per %.1f s (%% of one core), from the importer's start:%n%s%n", CpuTimeline.INTERVAL_MS / 1000.0,
                        timeline);
                System.out.printf("in commands         source: %s; target: %s (the rest of a server's CPU is its network I/O)%n",
                        sourceCommands, targetCommands);
                System.out.printf("verification        %s%n", runDifferences == 0 ? "exact copy (0 differences)" : runDifferences + " DIFFERENCES");
                referenceBefore = referenceAfter;
            }
            List<Double> sorted = ratios.stream().sorted().toList();
            System.out.println();
            System.out.printf("SUMMARY of %d runs: share of the reference's keys/s min %.2f / median %.2f / max %.2f (in run order: %s); "
                    + "peak RSS at most %.0f MB; %s%n", runs, sorted.get(0), sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1),
                    ratios.stream().map(r -> String.format("%.2f", r)).collect(java.util.stream.Collectors.joining(" ")),
                    peakRssKb / 1024.0, differences == 0 ? "every copy exact" : differences + " DIFFERENCES");
        } finally {
            TempDirs.delete(home);
        }
        // Only now: the servers above are stopped by then.
        System.exit(differences == 0 ? 0 : 1);
    }

    // ---- data ----

    static void generate(LocalRedis server, int keys, Random random) {
        try (RespConnection client = RespClient.connect(server.port())) {
            List<Object[]> commands = new ArrayList<>();
            for (int i = 0; i < keys; i++) {
                String key = "bench:" + i;
                int kind = random.nextInt(100);
                if (kind < 70) {
                    commands.add(new Object[] {"SET", key, TestData.bytes(random, 16 + random.nextInt(497))});
                } else if (kind < 80) {
                    commands.add(collection("HSET", key, 5 + random.nextInt(46), true, random));
                } else if (kind < 88) {
                    commands.add(collection("RPUSH", key, 5 + random.nextInt(46), false, random));
                } else if (kind < 94) {
                    commands.add(collection("SADD", key, 5 + random.nextInt(46), false, random));
                } else {
                    commands.add(zset(key, 5 + random.nextInt(46), random));
                }
                if (random.nextInt(100) < 30) {
                    commands.add(new Object[] {"PEXPIRE", key, 3_600_000 + random.nextInt(3_600_000)});
                }
                if (commands.size() >= 2000) {
                    client.pipeline(commands);
                    commands.clear();
                }
            }
            client.pipeline(commands);
            commands.clear();
            if (!Boolean.parseBoolean(System.getProperty("bench.bigKeys", "true"))) {
                return;
            }
            // The big keys of the benchmark's definition: a 200k-field hash, a 500k-member zset, a 100k-element
            // list and a 10 MB string, each written in chunks of 5,000 elements.
            for (int chunk = 0; chunk < 40; chunk++) {
                commands.add(collection("HSET", "bench:big-hash", 5000, true, random));
            }
            for (int chunk = 0; chunk < 100; chunk++) {
                commands.add(zset("bench:big-zset", 5000, random));
            }
            for (int chunk = 0; chunk < 20; chunk++) {
                commands.add(collection("RPUSH", "bench:big-list", 5000, false, random));
            }
            commands.add(new Object[] {"SET", "bench:big-string", TestData.bytes(random, 10 << 20)});
            for (Object[] command : commands) {
                client.pipeline(List.<Object[]>of(command));
            }
        }
    }

    private static Object[] collection(String command, String key, int elements, boolean pairs, Random random) {
        List<Object> args = new ArrayList<>(List.of(command, key));
        for (int i = 0; i < elements; i++) {
            args.add(TestData.bytes(random, 8 + random.nextInt(9)));
            if (pairs) {
                args.add(TestData.bytes(random, 16 + random.nextInt(49)));
            }
        }
        return args.toArray();
    }

    private static Object[] zset(String key, int elements, Random random) {
        List<Object> args = new ArrayList<>(List.of("ZADD", key));
        for (int i = 0; i < elements; i++) {
            args.add(String.valueOf(random.nextDouble() * 1e6));
            args.add(TestData.bytes(random, 8 + random.nextInt(9)));
        }
        return args.toArray();
    }

    // ---- reference: prepared RESTOREs through redis-cli --pipe ----

    static long writeReference(LocalRedis source, Path file) throws IOException {
        long bytes = 0;
        try (RespConnection client = RespClient.connect(source.port());
                OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            String cursor = "0";
            do {
                List<?> reply = (List<?>) client.ok("SCAN", cursor, "COUNT", 1000);
                cursor = RespConnection.text(reply.get(0));
                List<?> keys = (List<?>) reply.get(1);
                List<Object[]> reads = new ArrayList<>();
                keys.forEach(key -> {
                    reads.add(new Object[] {"DUMP", key});
                    reads.add(new Object[] {"PTTL", key});
                });
                List<Object> replies = client.pipeline(reads);
                long now = System.currentTimeMillis();
                for (int i = 0; i < keys.size(); i++) {
                    byte[] payload = (byte[]) replies.get(2 * i);
                    long pttl = (Long) replies.get(2 * i + 1);
                    bytes += payload.length;
                    writeCommand(out, "RESTORE".getBytes(StandardCharsets.US_ASCII), (byte[]) keys.get(i),
                            String.valueOf(pttl < 0 ? 0 : now + pttl).getBytes(StandardCharsets.US_ASCII), payload,
                            "REPLACE".getBytes(StandardCharsets.US_ASCII), "ABSTTL".getBytes(StandardCharsets.US_ASCII));
                }
            } while (!"0".equals(cursor));
        }
        return bytes;
    }

    private static void writeCommand(OutputStream out, byte[]... args) throws IOException {
        out.write(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (byte[] arg : args) {
            out.write(("$" + arg.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(arg);
            out.write('\r');
            out.write('\n');
        }
    }

    static double pipe(LocalRedis target, Path file) throws IOException, InterruptedException {
        long started = System.nanoTime();
        Process process = new ProcessBuilder("redis-cli", "-p", String.valueOf(target.port()), "--pipe")
                .redirectInput(file.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.MINUTES) || process.exitValue() != 0) {
            throw new IllegalStateException("redis-cli --pipe failed: " + output);
        }
        double seconds = seconds(started);
        System.out.print(output.lines().filter(line -> line.startsWith("errors:")).findFirst().map(l -> "redis-cli " + l + "\n").orElse(""));
        return seconds;
    }

    // ---- the importer, in its own JVM ----

    private record ImportRun(long keys, long bytes, double seconds, long peakRssKb, double cpuSeconds, double importCpuSeconds) {
    }

    private static ImportRun importInChildJvm(LocalRedis source, LocalRedis target, Path home, CpuTimeline timeline) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + System.getProperty("bench.xmx", "256m"), "-cp", System.getProperty("java.class.path"),
                ImportBenchRun.class.getName(), source.address(), target.address(), home.resolve("state").toString()));
        System.getProperties().stringPropertyNames().stream()
                .filter(name -> name.startsWith("bench.") && !name.equals("bench.xmx") && !name.equals("bench.jvmArgs"))
                .forEach(name -> command.add(1, "-D" + name + "=" + System.getProperty(name)));
        String jvmArgs = System.getProperty("bench.jvmArgs", "").trim();
        // The importer runs with the JVM options the launcher gives the service, unless told otherwise.
        command.addAll(1, List.of((jvmArgs.isEmpty() ? launcherJavaOptions() : jvmArgs).split("\\s+")));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        timeline.watch("importer", process.pid());
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.MINUTES) || process.exitValue() != 0) {
            throw new IllegalStateException("the import failed: " + output);
        }
        System.out.print(output);
        String result = output.lines().filter(line -> line.startsWith("RESULT ")).findFirst().orElseThrow();
        long[] values = Arrays.stream(result.substring(7).split(" ")).mapToLong(field -> (long) Double.parseDouble(field.split("=")[1]) ).toArray();
        double seconds = Double.parseDouble(result.split("seconds=")[1].split(" ")[0]);
        double cpu = Double.parseDouble(result.split("cpuSeconds=")[1].split(" ")[0]);
        double importCpu = Double.parseDouble(result.split("importCpuSeconds=")[1].split(" ")[0]);
        return new ImportRun(values[0], values[1], seconds, values[3], cpu, importCpu);
    }

    // ---- verification: equal payloads, or equal values when the payloads differ ----

    static long verify(LocalRedis source, LocalRedis target) {
        long differences = 0;
        long started = System.nanoTime();
        try (RespConnection from = RespClient.connect(source.port()); RespConnection to = RespClient.connect(target.port())) {
            if (!from.ok("DBSIZE").equals(to.ok("DBSIZE"))) {
                System.out.println("DBSIZE differs: " + from.ok("DBSIZE") + " vs " + to.ok("DBSIZE"));
                differences++;
            }
            String cursor = "0";
            do {
                List<?> reply = (List<?>) from.ok("SCAN", cursor, "COUNT", 1000);
                cursor = RespConnection.text(reply.get(0));
                List<?> keys = (List<?>) reply.get(1);
                List<Object[]> reads = new ArrayList<>();
                // Absolute expiries (Redis 7+): relative TTLs read from the two sides at different moments would differ
                // by the time between the reads, which a batch holding a big key makes long.
                keys.forEach(key -> {
                    reads.add(new Object[] {"DUMP", key});
                    reads.add(new Object[] {"PEXPIRETIME", key});
                });
                List<Object> expected = from.pipeline(reads);
                List<Object> actual = to.pipeline(reads);
                for (int i = 0; i < keys.size(); i++) {
                    byte[] key = (byte[]) keys.get(i);
                    long ttlFrom = (Long) expected.get(2 * i + 1);
                    long ttlTo = (Long) actual.get(2 * i + 1);
                    boolean ttlOk = ttlFrom < 0 ? ttlFrom == ttlTo : ttlTo >= 0 && Math.abs(ttlFrom - ttlTo) <= Keyspace.TTL_TOLERANCE_MS;
                    boolean valueOk = Arrays.equals((byte[]) expected.get(2 * i), (byte[]) actual.get(2 * i))
                            || sameValue(from, to, key);
                    if (!ttlOk || !valueOk) {
                        differences++;
                        if (differences <= 5) {
                            System.out.println("difference: " + new String(key, StandardCharsets.UTF_8) + " expiry " + ttlFrom + "/" + ttlTo
                                    + (valueOk ? "" : ", value"));
                        }
                    }
                }
            } while (!"0".equals(cursor));
        }
        System.out.printf("verified in %.1f s%n", seconds(started));
        return differences;
    }

    private static boolean sameValue(RespConnection from, RespConnection to, byte[] key) {
        Keyspace.Entry expected = Keyspace.entry(from, key);
        Keyspace.Entry actual = Keyspace.entry(to, key);
        return expected != null && actual != null && expected.type().equals(actual.type()) && expected.value().equals(actual.value());
    }

    // ---- helpers ----

    /** CPU the server has used so far (user + system), from INFO cpu. */
    private static double cpuSeconds(LocalRedis server) throws IOException {
        return Double.parseDouble(field(server, "cpu", "used_cpu_user")) + Double.parseDouble(field(server, "cpu", "used_cpu_sys"));
    }

    /** The default JVM options of the launcher (src/main/bin/df2redis), so that the benchmark measures what operators run. */
    private static String launcherJavaOptions() throws IOException {
        return Files.readAllLines(Path.of("src/main/bin/df2redis")).stream()
                .filter(line -> line.startsWith("default_java_opts=\""))
                .map(line -> line.substring("default_java_opts=\"".length(), line.length() - 1))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no default_java_opts line in src/main/bin/df2redis"));
    }

    /** The server's time in commands since the last CONFIG RESETSTAT, by command, most first: "dump 1000000 calls 2.1 s". */
    private static String commandTimes(LocalRedis server) throws IOException {
        record Stat(String command, long calls, long micros) {
        }
        List<Stat> stats = new ArrayList<>();
        for (String line : String.valueOf(server.command("INFO", "commandstats")).split("\r?\n")) {
            if (line.startsWith("cmdstat_")) {
                String[] nameAndFields = line.substring("cmdstat_".length()).split(":", 2);
                long calls = 0;
                long micros = 0;
                for (String field : nameAndFields[1].split(",")) {
                    if (field.startsWith("calls=")) {
                        calls = Long.parseLong(field.substring(6));
                    } else if (field.startsWith("usec=")) {
                        micros = Long.parseLong(field.substring(5));
                    }
                }
                stats.add(new Stat(nameAndFields[0], calls, micros));
            }
        }
        return stats.stream().sorted(java.util.Comparator.comparingLong(Stat::micros).reversed()).limit(4)
                .map(st -> String.format("%s %d calls %.1f s", st.command(), st.calls(), st.micros() / 1e6))
                .collect(java.util.stream.Collectors.joining(", "));
    }

    private static String field(LocalRedis server, String section, String name) throws IOException {
        for (String line : String.valueOf(server.command("INFO", section)).split("\r?\n")) {
            if (line.startsWith(name + ":")) {
                return line.substring(name.length() + 1);
            }
        }
        return "?";
    }

    private static double seconds(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1e9;
    }
}
