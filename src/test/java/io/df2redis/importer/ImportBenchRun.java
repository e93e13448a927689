package io.df2redis.importer;

import io.df2redis.config.MigrationConfig.ConflictPolicy;
import io.df2redis.config.MigrationConfig.DumpCompression;
import io.df2redis.copy.TargetWriter;
import io.df2redis.copy.WriterSettings;
import io.df2redis.importer.scan.ScanImporter;
import io.df2redis.importer.scan.ScanSettings;
import io.df2redis.migration.stage.OwnKeys;
import io.df2redis.resp.RedisEndpoint;
import io.df2redis.resp.RedisSide;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The importer side of {@link ImportBench}, in its own JVM: copies source to target with the default
 * settings of the migration file and prints one {@code RESULT} line with its own peak RSS.
 * Arguments: source host:port, target host:port, state directory.
 */
public final class ImportBenchRun {

    private ImportBenchRun() {
    }

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable failure) {
            failure.printStackTrace();
            System.exit(1);
        }
        // Mutiny's timer threads are not daemons outside Quarkus.
        System.exit(0);
    }

    private static void run(String[] args) throws Exception {
        Vertx vertx = Vertx.vertx(new io.vertx.core.VertxOptions()
                .setEventLoopPoolSize(Integer.getInteger("bench.eventLoops", 2 * Runtime.getRuntime().availableProcessors())));
        double cpuBeforeImport = processCpuSeconds();
        Copy copy = copy(vertx, args[0], args[1], Path.of(args[2]));
        System.out.println("import: " + copy.result().summary());
        double cpuSeconds = processCpuSeconds();
        System.out.printf("RESULT keys=%d bytes=%d seconds=%.3f peakRssKb=%d cpuSeconds=%.1f importCpuSeconds=%.2f%n", copy.result().copied(),
                copy.result().bytes(), copy.seconds(), peakRssKb(), cpuSeconds, cpuSeconds - cpuBeforeImport);
        System.out.println("importer CPU by thread: " + cpuByThread());
        vertx.closeAndAwait();
    }

    /** What one copy did and how long it took (from the first SCAN to the last write). */
    record Copy(ImportResult result, double seconds) {
    }

    /**
     * Copies {@code sourceAddress} to {@code targetAddress} with the scan importer and the migration file's
     * default settings, as the import stage does (the scan on the service's client, the writer's sessions on
     * clients of their own).
     */
    static Copy copy(Vertx vertx, String sourceAddress, String targetAddress, Path stateDir) {
        Duration timeout = Duration.ofSeconds(30);
        int concurrency = Integer.getInteger("bench.concurrency", 4);
        RedisSide scanSource = new RedisSide(vertx, endpoint("source", sourceAddress), timeout, 2);
        RedisSide source = scanSource.withPoolSize(concurrency + 2);
        RedisSide target = new RedisSide(vertx, endpoint("target", targetAddress), timeout, concurrency + 2);
        try {
            WriterSettings writerSettings = new WriterSettings(Integer.getInteger("bench.pipeline", 128), ConflictPolicy.REPLACE,
                    true, 16 << 20, WriterSettings.CHUNK_ELEMENTS, WriterSettings.CHUNK_BYTES, false, timeout);
            ScanSettings scanSettings = new ScanSettings(Integer.getInteger("bench.scanCount", 2048), concurrency, 10, 0, 0,
                    Optional.empty(), new OwnKeys("MIGRATE_BASE_TS", "MIGRATE_FENCE", "meta:{%s}"),
                    stateDir.resolve("failures.jsonl"),
                    DumpCompression.valueOf(System.getProperty("bench.dumpCompression", "off").toUpperCase()));
            TargetWriter writer = new TargetWriter(source, target, address -> {
                throw new IllegalStateException("standalone target");
            }, writerSettings);
            // As the service's precheck stage does before the import: both sides identified with INFO.
            scanSource.send(Command.INFO, "server")
                    .chain(() -> target.send(Command.INFO, "server"))
                    .await().atMost(timeout);
            long started = System.nanoTime();
            ImportResult result = new ScanImporter(() -> scanSource, scanSettings)
                    .run(new TestStageContext(), writer)
                    .await().atMost(Duration.ofHours(2));
            return new Copy(result, (System.nanoTime() - started) / 1e9);
        } finally {
            scanSource.close();
            source.close();
            target.close();
        }
    }

    private static double processCpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
    }

    private static RedisEndpoint endpoint(String role, String address) {
        return new RedisEndpoint(role, List.of(address), Optional.empty(), Optional.empty(), false, false);
    }

    /** CPU seconds of this process's threads (JIT and GC threads included), summed by name, largest first. */
    private static String cpuByThread() throws Exception {
        java.util.Map<String, Double> byName = new java.util.TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String name = Files.readString(task.resolve("comm")).trim().replaceAll("[0-9]+$", "#");
                    String stat = Files.readString(task.resolve("stat"));
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    byName.merge(name + " user", Long.parseLong(fields[11]) / 100.0, Double::sum);
                    byName.merge(name + " sys", Long.parseLong(fields[12]) / 100.0, Double::sum);
                } catch (java.io.IOException | RuntimeException gone) {
                    // a thread that ended meanwhile
                }
            }
        }
        return byName.entrySet().stream()
                .sorted(java.util.Map.Entry.<String, Double>comparingByValue().reversed())
                .limit(10)
                .map(e -> e.getKey() + " " + String.format("%.1f", e.getValue()))
                .collect(java.util.stream.Collectors.joining(", "));
    }

    private static long peakRssKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
