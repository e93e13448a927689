package io.df2redis.local;

import io.df2redis.contract.resp.RespConnection;
import io.df2redis.contract.resp.RespClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A {@code redis-server} child process on a free loopback port, for the demo (and the tests),
 * with a small blocking RESP client. Not for production paths: the service talks to Redis
 * through the reactive client.
 */
public final class LocalRedis implements AutoCloseable {

    private final Process process;
    private final int port;
    private final Optional<String> password;
    private final Path dir;

    private LocalRedis(Process process, int port, Optional<String> password, Path dir) {
        this.process = process;
        this.port = port;
        this.password = password;
        this.dir = dir;
    }

    /** True when {@code redis-server} can be started from PATH. */
    public static boolean available() {
        return onPath("redis-server");
    }

    /** True when {@code tool --version} runs from PATH and succeeds. */
    public static boolean onPath(String tool) {
        try {
            Process probe = new ProcessBuilder(tool, "--version").redirectErrorStream(true).start();
            probe.getInputStream().readAllBytes();
            return probe.waitFor(10, TimeUnit.SECONDS) && probe.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public static LocalRedis start(Path dir, Optional<String> password, String... extraArgs) throws IOException {
        Files.createDirectories(dir);
        int port = freePort();
        List<String> command = new ArrayList<>(List.of("redis-server", "--port", String.valueOf(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString(),
                "--daemonize", "no", "--logfile", ""));
        password.ifPresent(p -> {
            command.add("--requirepass");
            command.add(p);
        });
        command.addAll(List.of(extraArgs));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis-" + port + ".log").toFile())
                .start();
        LocalRedis redis = new LocalRedis(process, port, password, dir);
        redis.awaitReady();
        return redis;
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        }
    }

    private void awaitReady() throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        IOException last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("redis-server exited with " + process.exitValue() + "; see " + dir);
            }
            try {
                if ("PONG".equals(command("PING"))) {
                    return;
                }
            } catch (IOException e) {
                last = e;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for redis-server", e);
            }
        }
        throw new IOException("redis-server on port " + port + " did not answer PING in 15 s", last);
    }

    public int port() {
        return port;
    }

    public String address() {
        return "127.0.0.1:" + port;
    }

    public Process process() {
        return process;
    }

    /** Runs one command and returns its reply: String, Long, List, null or a {@link RespConnection.Error}. */
    public Object command(String... args) throws IOException {
        return client().command(args);
    }

    /** Sends all commands in one write and reads all replies, in order. */
    public List<Object> pipeline(List<List<String>> commands) throws IOException {
        return client().pipeline(commands);
    }

    public RespClient client() {
        return new RespClient("127.0.0.1", port, password);
    }

    /** Stops the server (SIGTERM, then SIGKILL after 5 s). */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
