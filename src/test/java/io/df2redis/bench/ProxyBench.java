package io.df2redis.bench;

import io.df2redis.contract.console.FenceState;
import io.df2redis.local.LocalRedis;
import io.df2redis.state.StatusJson;
import io.df2redis.testing.TempDirs;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Measures the proxy runtime built by this project (not a test: it prints figures).
 * <ol>
 *   <li>Throughput: {@code redis-benchmark -t set,get -P 16} against the source directly (the
 *       reference, same run) and through the proxy in dual-write; prints the ratio.</li>
 *   <li>Fence pause: writers at a steady rate (default 5,000 SET/s) through the proxy while the
 *       fence cycle of the write cutover (fence on in hold mode, in-flight writes to zero, route
 *       flip, fence off) runs N times (default 20); prints the pause per cycle (p50/p99/max) and
 *       the longest time a client waited for a write.</li>
 * </ol>
 * Run: {@code bench/run-proxy-bench.sh [writes/s] [cycles]}.
 */
public final class ProxyBench {

    private static final String CONSOLE_TOKEN = "bench-console-token";
    static final java.util.concurrent.atomic.AtomicLong ERRORS = new java.util.concurrent.atomic.AtomicLong();
    /** The first error replies the writers got. */
    static final List<String> ERROR_SAMPLES = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    /** Writer connections that failed or were closed by the other end while the load ran. */
    static final java.util.concurrent.atomic.AtomicLong CONNECTIONS_LOST = new java.util.concurrent.atomic.AtomicLong();
    private static final Pattern RPS = Pattern.compile("^(SET|GET): ([0-9.]+) requests per second");

    public static void main(String[] args) throws Exception {
        int rate = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        int cycles = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        Path jar = Path.of(args.length > 2 ? args[2] : "src/proxy/target/runtime/df2redis-proxy.jar").toAbsolutePath();
        Path home = Files.createTempDirectory("df2redis-proxy-bench-");
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty())) {
            int port = LocalRedis.freePort();
            int consolePort = LocalRedis.freePort();
            Process proxy = startProxy(jar, home, source, target, port, consolePort);
            try {
                throughput(source.port(), port);
                fencePauses(port, consolePort, source, target, rate, cycles);
            } finally {
                proxy.destroy();
                proxy.waitFor(10, TimeUnit.SECONDS);
            }
        } finally {
            TempDirs.delete(home);
        }
    }

    private static Process startProxy(Path jar, Path home, LocalRedis source, LocalRedis target, int port, int consolePort)
            throws Exception {
        Files.writeString(home.resolve("route.json"), dualWrite(source, target));
        Files.writeString(home.resolve("proxy.properties"), String.join("\n",
                "listen.port=" + port, "console.port=" + consolePort, "console.token=" + CONSOLE_TOKEN, "route.file=" + home.resolve("route.json"),
                "journal.dir=" + home.resolve("wal"), "fence.mode=hold", "fence.maxHoldMillis=2000", "") );
        return io.df2redis.testing.ProxyJarProcess.start(jar, home.resolve("proxy.properties"), "256m");
    }

    private static String dualWrite(LocalRedis source, LocalRedis target) {
        return "{\"type\":\"simple\",\"operation\":{\"type\":\"rw_separate\",\"read\":\"redis://@" + source.address()
                + "\",\"write\":{\"type\":\"multi\",\"resources\":[\"redis://@" + source.address() + "\",\"redis://@"
                + target.address() + "\"]}}}";
    }

    private static String flipped(LocalRedis source, LocalRedis target) {
        return "{\"type\":\"simple\",\"operation\":{\"type\":\"rw_separate\",\"read\":\"redis://@" + target.address()
                + "\",\"write\":{\"type\":\"multi\",\"resources\":[\"redis://@" + target.address() + "\",\"redis://@"
                + source.address() + "\"]}}}";
    }

    private static void throughput(int direct, int proxied) throws Exception {
        double[] reference = benchmark(direct);
        double[] through = benchmark(proxied);
        System.out.printf("throughput  direct: SET %.0f/s GET %.0f/s | through the proxy (dual-write): SET %.0f/s GET %.0f/s%n",
                reference[0], reference[1], through[0], through[1]);
        System.out.printf("throughput  ratio proxy/direct: SET %.2f GET %.2f%n", through[0] / reference[0], through[1] / reference[1]);
    }

    private static double[] benchmark(int port) throws Exception {
        Process process = new ProcessBuilder("redis-benchmark", "-h", "127.0.0.1", "-p", String.valueOf(port), "-t", "set,get",
                "-n", "200000", "-P", "16", "-c", "50", "-q").redirectErrorStream(true).start();
        double[] rps = new double[2];
        String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor(120, TimeUnit.SECONDS);
        for (String line : text.split("[\r\n]+")) {
            Matcher m = RPS.matcher(line.trim());
            if (m.find()) {
                rps[m.group(1).equals("SET") ? 0 : 1] = Double.parseDouble(m.group(2));
            }
        }
        return rps;
    }

    private static void fencePauses(int port, int consolePort, LocalRedis source, LocalRedis target, int rate, int cycles)
            throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        int writers = 4;
        AtomicBoolean running = new AtomicBoolean(true);
        List<Long> latenciesMicros = Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int id = w;
            Thread thread = new Thread(() -> write(port, rate / writers, id, running, latenciesMicros));
            thread.start();
            threads.add(thread);
        }
        Thread.sleep(1000);
        List<Double> pauses = new ArrayList<>();
        for (int i = 0; i < cycles; i++) {
            long start = System.nanoTime();
            post(http, consolePort, "/fence?state=on&mode=hold", "");
            while (inflight(http, consolePort) > 0) {
                Thread.onSpinWait();
            }
            post(http, consolePort, "/route", i % 2 == 0 ? flipped(source, target) : dualWrite(source, target));
            post(http, consolePort, "/fence?state=off", "");
            pauses.add((System.nanoTime() - start) / 1e6);
            Thread.sleep(500);
        }
        running.set(false);
        for (Thread thread : threads) {
            thread.join();
        }
        Collections.sort(pauses);
        List<Long> latencies = new ArrayList<>(latenciesMicros);
        Collections.sort(latencies);
        System.out.printf("fence       %d cycles at %d SET/s: pause p50 %.1f ms, p99 %.1f ms, max %.1f ms%n", cycles, rate,
                percentile(pauses, 50), percentile(pauses, 99), pauses.get(pauses.size() - 1));
        System.out.printf("fence       client write latency over the run (%d writes, %d error replies): p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                latencies.size(), ERRORS.get(), latencies.get(latencies.size() / 2) / 1000.0,
                latencies.get((int) (latencies.size() * 0.99)) / 1000.0, latencies.get(latencies.size() - 1) / 1000.0);
    }

    static void write(int port, int perSecond, int id, AtomicBoolean running, List<Long> latencies) {
        write(port, perSecond, id, running, latencies, null);
    }

    /**
     * A steady SET load on 1,000 keys of its own, {@code bench:<id>:<n mod 1000>} = n. With {@code acked},
     * the value of each key's last acknowledged write goes into its slot, or -1 when its last write got an
     * error reply (the key is then uncertain).
     */
    static void write(int port, int perSecond, int id, AtomicBoolean running, List<Long> latencies, long[] acked) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port));
            socket.setTcpNoDelay(true);
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            long interval = 1_000_000_000L / perSecond;
            long next = System.nanoTime();
            long n = 0;
            while (running.get()) {
                String key = "bench:" + id + ":" + (n % 1000);
                String value = Long.toString(n++);
                byte[] command = ("*3\r\n$3\r\nSET\r\n$" + key.length() + "\r\n" + key + "\r\n$" + value.length() + "\r\n" + value + "\r\n")
                        .getBytes(StandardCharsets.US_ASCII);
                long sent = System.nanoTime();
                out.write(command);
                out.flush();
                int first = in.read();
                if (first == '-') {
                    ERRORS.incrementAndGet();
                }
                if (acked != null) {
                    acked[(int) ((n - 1) % 1000)] = first == '+' ? n - 1 : -1;
                }
                StringBuilder error = first == '-' && ERROR_SAMPLES.size() < 5 ? new StringBuilder() : null;
                for (int c = first; c != '\n'; c = in.read()) {
                    if (error != null && c != '\r') {
                        error.append((char) c);
                    }
                    if (c < 0) {
                        if (running.get()) {
                            CONNECTIONS_LOST.incrementAndGet();
                        }
                        return;
                    }
                }
                if (error != null) {
                    ERROR_SAMPLES.add(error.toString());
                }
                latencies.add((System.nanoTime() - sent) / 1000);
                next += interval;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            }
        } catch (IOException | InterruptedException e) {
            CONNECTIONS_LOST.incrementAndGet();
            System.err.println("writer " + id + " stopped: " + e.getMessage());
        }
    }

    private static long inflight(HttpClient http, int consolePort) throws Exception {
        String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + consolePort + "/fence"))
                        .header("Authorization", "Bearer " + CONSOLE_TOKEN).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return StatusJson.MAPPER.readValue(body, FenceState.class).inflight();
    }

    private static void post(HttpClient http, int consolePort, String path, String body) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + consolePort + path))
                .header("Authorization", "Bearer " + CONSOLE_TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(path + " answered " + response.statusCode() + ": " + response.body());
        }
    }

    private static double percentile(List<Double> sorted, int p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * p / 100.0) - 1));
    }
}
