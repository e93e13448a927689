package io.df2redis.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.df2redis.local.LocalRedis;
import io.df2redis.testing.TempDirs;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The whole live plan as users run it (not a test): {@code target/df2redis migrate} with {@code migrate.mode: live}
 * and the migration file's defaults, on a source of N keys, while four clients write a steady SET load through the
 * proxy from the moment it listens until after the plan ends. Named settings beyond the defaults: two read batches
 * of 2 s (10 % and 100 %; the default batches hold 5 minutes each, an operator's observation time). The proxy
 * keeps serving after {@code migrate} ends, as by default: the clients stop after that, the acknowledged writes are
 * checked on the target, and {@code df2redis proxy stop} retires it.
 *
 * <p>Prints per run: the whole plan and each stage, the time from start to the write flip, every fence attempt with
 * its pause and steps, the drain's backlog and lag at their highest while the plan ran, the clients' writes, error
 * replies, lost connections and latency, and the acknowledged writes missing from the target at the end (the new
 * primary). The goals of the issue (fence pause p99 at most 100 ms, 0 errors, 0 lost) are printed next to the figures.
 *
 * <pre>bench/run-live-plan-bench.sh [writes-per-second (5000)] [keys (200000)] [runs (3)]</pre>
 */
public final class LivePlanBench {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int WRITERS = 4;

    private LivePlanBench() {
    }

    public static void main(String[] args) throws Exception {
        int rate = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        int keys = args.length > 1 ? Integer.parseInt(args[1]) : 200_000;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Path launcher = Path.of("target/df2redis").toAbsolutePath();
        List<Long> pauses = new ArrayList<>();
        long totalErrors = 0;
        long totalLost = 0;
        for (int run = 1; run <= runs; run++) {
            Path home = Files.createTempDirectory("df2redis-live-plan-bench-");
            try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty(), "--enable-debug-command", "yes");
                 LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty())) {
                Object populated = source.command("DEBUG", "POPULATE", Integer.toString(keys), "key", "64");
                if (!"OK".equals(String.valueOf(populated))) {
                    throw new IllegalStateException("DEBUG POPULATE answered " + populated);
                }
                RunFigures figures = runOnce(launcher, home, source, target, rate);
                pauses.addAll(figures.pauses);
                totalErrors += figures.errors;
                totalLost += figures.lost;
            } finally {
                TempDirs.delete(home);
            }
        }
        Collections.sort(pauses);
        System.out.println();
        System.out.printf("SUMMARY of %d live plans at %d SET/s: fence pauses (every attempt) p50 %d ms, p99 %d ms, max %d ms "
                        + "(goal: p99 at most 100 ms); client error replies and lost connections %d (goal 0); acknowledged writes lost %d (goal 0)%n",
                runs, rate, pauses.get(pauses.size() / 2), pauses.get(Math.min(pauses.size() - 1, (int) Math.ceil(pauses.size() * 0.99) - 1)),
                pauses.get(pauses.size() - 1), totalErrors, totalLost);
        System.exit(totalLost == 0 && totalErrors == 0 ? 0 : 1);
    }

    private record RunFigures(List<Long> pauses, long errors, long lost) {
    }

    private static RunFigures runOnce(Path launcher, Path home, LocalRedis source, LocalRedis target, int rate) throws Exception {
        int proxyPort = LocalRedis.freePort();
        Path state = home.resolve("state");
        Path file = home.resolve("migrate.yaml");
        Files.writeString(file, """
                source: {type: redis, addr: "%s"}
                target: {seed: "%s"}
                stateDir: %s
                proxy: {endpoint: "127.0.0.1:%d", consolePort: %d}
                migrate:
                  mode: live
                  cutover:
                    batches:
                      - {label: canary, percentage: 10, duration: 2s}
                      - {label: all, percentage: 100, duration: 2s}
                """.formatted(source.address(), target.address(), state, proxyPort, LocalRedis.freePort()));
        ProxyBench.ERRORS.set(0);
        ProxyBench.CONNECTIONS_LOST.set(0);
        ProxyBench.ERROR_SAMPLES.clear();
        Instant startedAt = Instant.now();
        long begin = System.nanoTime();
        Process migrate = new ProcessBuilder(launcher.toString(), "migrate", "--config", file.toString())
                .redirectErrorStream(true).redirectOutput(home.resolve("migrate.log").toFile()).start();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        long[][] acked = new long[WRITERS][1000];
        List<Thread> writers = new ArrayList<>();
        long maxBacklog = 0;
        double maxLagMs = 0;
        long peakRssKb = 0;
        boolean writing = false;
        while (!migrate.waitFor(100, TimeUnit.MILLISECONDS)) {
            peakRssKb = Math.max(peakRssKb, LauncherRuns.peakRssKb(migrate.pid()));
            if (!writing && listens(proxyPort)) {
                for (int w = 0; w < WRITERS; w++) {
                    int id = w;
                    java.util.Arrays.fill(acked[id], -1);
                    Thread thread = new Thread(() -> ProxyBench.write(proxyPort, rate / WRITERS, id, running, latencies, acked[id]));
                    thread.start();
                    writers.add(thread);
                }
                writing = true;
            }
            JsonNode metrics = status(state).path("metrics");
            maxBacklog = Math.max(maxBacklog, metrics.path("sync_backlog_records").asLong());
            maxLagMs = Math.max(maxLagMs, metrics.path("sync_lag_ms").asDouble());
        }
        double seconds = (System.nanoTime() - begin) / 1e9;
        // the clients write on through the proxy, now in front of the target alone, for another second
        Thread.sleep(1000);
        running.set(false);
        for (Thread thread : writers) {
            thread.join();
        }
        long lost = lostOnTarget(target, acked);
        Process stop = new ProcessBuilder(launcher.toString(), "proxy", "stop", "--config", file.toString())
                .redirectErrorStream(true).redirectOutput(home.resolve("proxy-stop.log").toFile()).start();
        stop.waitFor(60, TimeUnit.SECONDS);
        if (migrate.exitValue() != 0) {
            throw new IllegalStateException("migrate exited " + migrate.exitValue() + ": " + Files.readString(home.resolve("migrate.log")));
        }
        JsonNode status = status(state);
        List<Long> pauses = new ArrayList<>();
        List<String> attempts = new ArrayList<>();
        for (JsonNode attempt : status.path("fence").path("attempts")) {
            pauses.add(attempt.path("pauseMs").asLong());
            double atSeconds = (Instant.parse(attempt.path("at").asText()).toEpochMilli() - startedAt.toEpochMilli()) / 1000.0;
            attempts.add(String.format("%s at %.1f s: %s after %d ms %s", attempt.path("purpose").asText(), atSeconds,
                    attempt.path("outcome").asText(), attempt.path("pauseMs").asLong(), attempt.path("stepsMs")));
        }
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        long errors = ProxyBench.ERRORS.get() + ProxyBench.CONNECTIONS_LOST.get();
        System.out.println();
        System.out.printf("live plan: %.2f s (launcher start to exit), peak RSS %.0f MB; stages: %s%n", seconds, peakRssKb / 1024.0,
                LauncherRuns.stageTimes(state.resolve("status.json")));
        attempts.forEach(a -> System.out.println("  fence " + a));
        System.out.printf("  drain: backlog at most %d records, lag at most %.0f ms (status.json, sampled every 100 ms)%n", maxBacklog, maxLagMs);
        System.out.printf("  clients: %d writes at %d SET/s, %d error replies, %d lost connections, latency p50 %.2f ms, p99 %.2f ms, max %.1f ms; "
                        + "acknowledged writes missing from the target: %d%n", sorted.size(), rate, ProxyBench.ERRORS.get(),
                ProxyBench.CONNECTIONS_LOST.get(), sorted.get(sorted.size() / 2) / 1000.0, sorted.get((int) (sorted.size() * 0.99)) / 1000.0,
                sorted.get(sorted.size() - 1) / 1000.0, lost);
        ProxyBench.ERROR_SAMPLES.forEach(e -> System.out.println("  error reply: " + e));
        return new RunFigures(pauses, errors, lost);
    }

    private static boolean listens(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (Exception notYet) {
            return false;
        }
    }

    private static JsonNode status(Path state) {
        try {
            return JSON.readTree(state.resolve("status.json").toFile());
        } catch (Exception notWrittenYet) {
            return JSON.createObjectNode();
        }
    }

    /** Keys whose last acknowledged value is not what the target holds. */
    private static long lostOnTarget(LocalRedis target, long[][] acked) throws Exception {
        long lost = 0;
        for (int id = 0; id < acked.length; id++) {
            List<List<String>> gets = new ArrayList<>();
            for (int k = 0; k < 1000; k++) {
                gets.add(List.of("GET", "bench:" + id + ":" + k));
            }
            List<Object> values = target.pipeline(gets);
            for (int k = 0; k < 1000; k++) {
                long expected = acked[id][k];
                Object value = values.get(k);
                String actual = value instanceof byte[] bytes ? new String(bytes, java.nio.charset.StandardCharsets.US_ASCII) : String.valueOf(value);
                if (expected >= 0 && !Long.toString(expected).equals(actual)) {
                    lost++;
                }
            }
        }
        return lost;
    }
}
