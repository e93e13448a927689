package io.df2redis.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * The proxy's output file, {@code <proxy dir>/proxy.log}. The proxy outlives the service, so it writes
 * to a file rather than to a pipe that would break when the service exits; the service follows the
 * file from where it was when the service started or adopted the proxy. Rotated once at
 * {@link #ROTATE_AT} when a proxy starts ({@code proxy.log.1} keeps the previous one).
 */
final class ProxyLog {

    static final String FILE = "proxy.log";
    static final long ROTATE_AT = 16L << 20;
    private static final Logger LOG = Logger.getLogger(ProxyLog.class);
    private static final long POLL_MILLIS = 100;

    private final Path file;
    private volatile boolean following;

    ProxyLog(Path proxyDir) {
        this.file = proxyDir.resolve(FILE);
    }

    Path file() {
        return file;
    }

    /** Blocking: before a new proxy starts. */
    void rotateIfLarge() throws IOException {
        if (Files.exists(file) && Files.size(file) >= ROTATE_AT) {
            Files.move(file, file.resolveSibling(FILE + ".1"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Blocking: the current end of the file, where following starts. */
    long end() throws IOException {
        return Files.exists(file) ? Files.size(file) : 0;
    }

    /** Hands every complete line written from {@code offset} on to {@code onLine}, on a thread of its own, until {@link #stop}. */
    void follow(long offset, Consumer<String> onLine) {
        following = true;
        Thread thread = new Thread(() -> {
            ByteArrayOutputStream partial = new ByteArrayOutputStream();
            long position = offset;
            byte[] chunk = new byte[8192];
            while (following) {
                try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
                    if (in.length() < position) {
                        position = 0;
                    }
                    in.seek(position);
                    for (int read = in.read(chunk); read > 0; read = in.read(chunk)) {
                        position += read;
                        for (int i = 0; i < read; i++) {
                            if (chunk[i] == '\n') {
                                onLine.accept(partial.toString(StandardCharsets.UTF_8));
                                partial.reset();
                            } else {
                                partial.write(chunk[i]);
                            }
                        }
                    }
                } catch (IOException e) {
                    LOG.debugf("proxy log %s: %s", file, e.getMessage());
                }
                try {
                    Thread.sleep(POLL_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }, "df2redis-proxy-log");
        thread.setDaemon(true);
        thread.start();
    }

    void stop() {
        following = false;
    }
}
