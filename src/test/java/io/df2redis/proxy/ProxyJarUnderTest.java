package io.df2redis.proxy;

import io.df2redis.local.LocalRedis;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real proxy jar started the way the service starts it, on free loopback ports, with a route
 * file (0600) and a settings file under {@code home}: for tests that drive the proxy directly.
 */
final class ProxyJarUnderTest implements AutoCloseable {

    final int port;
    final int consolePort;
    final String consoleToken;
    final Path journalDir;
    private final Process process;

    private ProxyJarUnderTest(int port, int consolePort, String consoleToken, Path journalDir, Process process) {
        this.port = port;
        this.consolePort = consolePort;
        this.consoleToken = consoleToken;
        this.journalDir = journalDir;
        this.process = process;
    }

    /** {@code settings}: further {@code key=value} lines of the proxy's settings file. */
    static ProxyJarUnderTest start(Path home, String routeJson, String consoleToken, String heap, String... settings) throws IOException {
        int port = LocalRedis.freePort();
        int consolePort = LocalRedis.freePort();
        Path wal = home.resolve("wal");
        PrivateFiles.write(home.resolve("route.json"), routeJson);
        List<String> lines = new ArrayList<>(List.of("listen.port=" + port, "console.port=" + consolePort, "console.token=" + consoleToken,
                "route.file=" + home.resolve("route.json"), "journal.dir=" + wal));
        lines.addAll(List.of(settings));
        lines.add("");
        Files.writeString(home.resolve("proxy.properties"), String.join("\n", lines));
        Path jar = ProxyRuntime.extract(home.resolve("runtime"));
        return new ProxyJarUnderTest(port, consolePort, consoleToken, wal,
                io.df2redis.testing.ProxyJarProcess.start(jar, home.resolve("proxy.properties"), heap));
    }

    private static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newHttpClient();

    /** A console call with the token: GET when {@code body} is null, else POST; fails unless it answers 200. */
    String console(String path, String body) throws IOException, InterruptedException {
        java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + consolePort + path)).header("Authorization", "Bearer " + consoleToken);
        java.net.http.HttpResponse<String> response = HTTP.send(body == null ? request.GET().build()
                : request.POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException(path + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    /**
     * The write flip as the service plays it through the console: fence on (hold), wait until no
     * write is in flight, {@code whileFenced} (what the drain would copy), the new route, fence off.
     */
    void flip(String route, ThrowingRunnable whileFenced) throws Exception {
        console("/fence?state=on&mode=hold", "");
        long deadline = System.currentTimeMillis() + 10_000;
        while (inflight() > 0) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("writes in flight did not drop to 0 under the fence");
            }
            Thread.sleep(5);
        }
        whileFenced.run();
        console("/route", route);
        console("/fence?state=off", "");
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    long inflight() throws IOException, InterruptedException {
        return io.df2redis.state.StatusJson.MAPPER.readValue(console("/fence", null), io.df2redis.contract.console.FenceState.class).inflight();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
