package io.df2redis.bench;

import io.df2redis.migration.engine.Orientation;
import io.df2redis.local.LocalRedis;
import io.df2redis.migration.cutover.ConsistencyCore;
import io.df2redis.migration.cutover.WriteFlip;
import io.df2redis.migration.engine.DetachedStageContext;
import io.df2redis.migration.journal.JournalDrain;
import io.df2redis.migration.verify.Verifier;
import io.df2redis.proxy.RouteKind;
import io.df2redis.testing.TempDirs;
import io.vertx.mutiny.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Benchmark of the consistency core with the service's own classes and the real proxy (not a
 * test): the write flip of the fence stage (fence on, in-flight writes to zero, journal drained to
 * its head, dirty keys verified, fence key, route and drain direction flipped, fence off) repeated
 * N times back and forth under a steady SET load through the proxy; the drain's catch-up rate (a
 * backlog built while it was stopped); and the rate of a full verify pass.
 *
 * <pre>bench/run-cutover-bench.sh [writes-per-second (5000)] [flips (20)] [keys (100000)]</pre>
 */
public final class CutoverBench {

    private CutoverBench() {
    }

    public static void main(String[] args) throws Exception {
        int rate = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        int flips = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int keys = args.length > 2 ? Integer.parseInt(args[2]) : 100_000;
        Path home = Files.createTempDirectory("df2redis-cutover-bench-");
        Vertx vertx = Vertx.vertx();
        try (ConsistencyCore core = ConsistencyCore.start(vertx, home, RouteKind.DUAL_WRITE, "multiWriteMode: all-resources-no-check", "")) {
            load(core.source, keys);
            load(core.target, keys);
            int port = core.proxyPort;
            JournalDrain drain = core.drain;
            Verifier verifier = core.verifier;
            WriteFlip flip = core.writeFlip;
            drain.ensureRunning(0).await().atMost(Duration.ofSeconds(10));
            long started = System.nanoTime();
            Verifier.Report full = verifier.scanPass(1.0, r -> { }).await().atMost(Duration.ofMinutes(10));
            double verifySeconds = (System.nanoTime() - started) / 1e9;
            System.out.printf("verify      full pass: %d keys in %.1f s: %.0f keys/s (%d differences)%n", full.checked,
                    verifySeconds, full.checked / verifySeconds, full.differences);

            AtomicBoolean running = new AtomicBoolean(true);
            List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                int id = w;
                Thread thread = new Thread(() -> ProxyBench.write(port, rate / 4, id, running, latencies));
                thread.start();
                writers.add(thread);
            }
            drain.stop().await().atMost(Duration.ofSeconds(30));
            Thread.sleep(10_000);
            long backlogFrom = drain.applied();
            long head = drain.readHead();
            long catchUp = System.nanoTime();
            drain.ensureRunning(0).await().atMost(Duration.ofSeconds(10));
            drain.awaitApplied(head, Duration.ofMinutes(5)).await().atMost(Duration.ofMinutes(5));
            double drainSeconds = (System.nanoTime() - catchUp) / 1e9;
            System.out.printf("drain       backlog of %d journal records (10 s of writes at %d SET/s) applied in %.1f s: %.0f records/s%n",
                    head - backlogFrom, rate, drainSeconds, (head - backlogFrom) / drainSeconds);

            List<Double> pauses = new ArrayList<>();
            java.util.Map<String, List<Long>> stepTimes = new java.util.LinkedHashMap<>();
            int kept = 0;
            for (int i = 0; i < flips; i++) {
                boolean toTarget = i % 2 == 0;
                WriteFlip.Attempt attempt = flip.attempt(new DetachedStageContext("fence"),
                        toTarget ? Orientation.Direction.REVERSE : Orientation.Direction.FORWARD)
                        .await().atMost(Duration.ofSeconds(30));
                pauses.add((double) attempt.pauseMillis());
                attempt.steps().forEach((step, ms) -> stepTimes.computeIfAbsent(step, k -> new ArrayList<>()).add(ms));
                if (!attempt.flipped()) {
                    kept++;
                    System.out.println("flip " + (i + 1) + " kept the old primary: " + attempt.reason());
                    i--;
                    if (kept > flips) {
                        break;
                    }
                }
                Thread.sleep(500);
            }
            running.set(false);
            for (Thread thread : writers) {
                thread.join();
            }
            Collections.sort(pauses);
            StringBuilder steps = new StringBuilder();
            stepTimes.forEach((step, times) -> {
                List<Long> ordered = times.stream().sorted().toList();
                steps.append(String.format(" %s %d/%d", step, ordered.get(ordered.size() / 2), ordered.get(ordered.size() - 1)));
            });
            System.out.printf("flip        pause by step, median/max ms:%s%n", steps);
            List<Long> sorted = new ArrayList<>(latencies);
            Collections.sort(sorted);
            System.out.printf("flip        %d write flips at %d SET/s (%d attempts kept the old primary): pause p50 %.0f ms, p99 %.0f ms, max %.0f ms%n",
                    flips, rate, kept, pauses.get(pauses.size() / 2), pauses.get(Math.min(pauses.size() - 1, (int) Math.ceil(pauses.size() * 0.99) - 1)),
                    pauses.get(pauses.size() - 1));
            System.out.printf("flip        client writes over the run: %d, error replies %d, latency p50 %.2f ms, p99 %.2f ms, max %.1f ms%n",
                    sorted.size(), ProxyBench.ERRORS.get(), sorted.get(sorted.size() / 2) / 1000.0,
                    sorted.get((int) (sorted.size() * 0.99)) / 1000.0, sorted.get(sorted.size() - 1) / 1000.0);
        } finally {
            vertx.closeAndAwait();
            TempDirs.delete(home);
        }
        // the figures are out and everything is stopped; pool threads of the clients above would keep the JVM up
        System.exit(0);
    }

    private static void load(LocalRedis redis, int keys) throws Exception {
        List<List<String>> batch = new ArrayList<>();
        for (int i = 0; i < keys; i++) {
            batch.add(List.of("SET", "bench:base:" + i, "value-" + i));
            if (batch.size() == 1000) {
                redis.pipeline(batch);
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            redis.pipeline(batch);
        }
    }
}
