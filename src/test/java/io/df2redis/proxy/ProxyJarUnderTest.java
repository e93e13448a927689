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

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
