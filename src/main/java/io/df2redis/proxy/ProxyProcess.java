package io.df2redis.proxy;

import org.jboss.logging.Logger;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The proxy process of a state directory, found by its pid file and its command line (so a reused pid
 * is never taken for it), and stopped with SIGTERM, then SIGKILL. Shared by the supervisor and by
 * {@code df2redis proxy stop} when no service runs. Blocking.
 */
public final class ProxyProcess {

    private static final Logger LOG = Logger.getLogger(ProxyProcess.class);
    static final String PID_FILE = "proxy.pid";
    static final String SETTINGS_FILE = "proxy.properties";

    private ProxyProcess() {
    }

    /** The live proxy started for this proxy directory, if any. */
    public static Optional<ProcessHandle> find(Path proxyDir) throws IOException {
        Path pidFile = proxyDir.resolve(PID_FILE);
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        long pid;
        try {
            pid = Long.parseLong(Files.readString(pidFile).trim());
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        String settings = proxyDir.resolve(SETTINGS_FILE).toString();
        return ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .filter(p -> p.info().commandLine().map(c -> c.contains(settings)).orElse(false));
    }

    /** SIGTERM (in-flight writes are answered), then SIGKILL after {@code grace}. */
    public static void terminate(ProcessHandle target, Duration grace) {
        target.destroy();
        try {
            target.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            target.descendants().forEach(ProcessHandle::destroyForcibly);
            target.destroyForcibly();
            try {
                target.onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                LOG.warnf("proxy pid %d did not exit after SIGKILL", target.pid());
            }
        }
    }

    public static void forget(Path proxyDir) throws IOException {
        Files.deleteIfExists(proxyDir.resolve(PID_FILE));
    }
}
