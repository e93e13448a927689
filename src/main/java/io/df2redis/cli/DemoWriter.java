package io.df2redis.cli;

import io.df2redis.local.LocalRedis;
import io.df2redis.contract.resp.RespClient;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The demo's application: increments a few counters through the proxy for as long as it answers,
 * remembering every acknowledged increment, and at the end checks both sides against that history.
 */
final class DemoWriter {

    private static final int COUNTERS = 8;

    private final int proxyPort;
    private final java.nio.file.Path statusFile;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLongArray acknowledged = new AtomicLongArray(COUNTERS);
    private final Thread thread;

    private DemoWriter(int proxyPort, java.nio.file.Path statusFile) {
        this.proxyPort = proxyPort;
        this.statusFile = statusFile;
        this.thread = new Thread(this::run, "df2redis-demo-writer");
        this.thread.setDaemon(true);
    }

    /** Writes through the proxy from when it answers until the import has finished (the drain then catches up). */
    static DemoWriter start(int proxyPort, java.nio.file.Path statusFile) {
        DemoWriter writer = new DemoWriter(proxyPort, statusFile);
        writer.thread.start();
        return writer;
    }

    private void run() {
        RespClient proxy = new RespClient("127.0.0.1", proxyPort, Optional.empty());
        long n = 0;
        while (running.get()) {
            if (n % 50 == 0 && importFinished()) {
                return;
            }
            int counter = (int) (n++ % COUNTERS);
            try {
                if (proxy.command("INCR", key(counter)) instanceof Long) {
                    acknowledged.incrementAndGet(counter);
                }
            } catch (IOException e) {
                pause();
            }
        }
    }

    private boolean importFinished() {
        try {
            return io.df2redis.state.StatusStore.read(statusFile)
                    .flatMap(status -> status.stage("import"))
                    .map(stage -> stage.status.done())
                    .orElse(false);
        } catch (RuntimeException e) {
            return false;
        }
    }

    private void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running.set(false);
        }
    }

    void stop() throws IOException {
        running.set(false);
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * How many writes went through the proxy: the source (authoritative) must hold every one, and
     * once the journal drain has run, so must the target.
     */
    String report(LocalRedis source, LocalRedis target) throws IOException {
        long total = 0;
        List<String> lost = new ArrayList<>();
        List<String> targetLag = new ArrayList<>();
        for (int i = 0; i < COUNTERS; i++) {
            long expected = acknowledged.get(i);
            total += expected;
            String want = expected == 0 ? null : Long.toString(expected);
            Object onSource = source.command("GET", key(i));
            Object onTarget = target.command("GET", key(i));
            if (!java.util.Objects.equals(want, onSource)) {
                lost.add(key(i) + " acknowledged " + expected + ", source " + onSource);
            }
            if (!java.util.Objects.equals(want, onTarget)) {
                targetLag.add(key(i) + " (target " + onTarget + ")");
            }
        }
        if (total == 0) {
            return "the writer got no write through the proxy (it was not up long enough)";
        }
        if (!lost.isEmpty()) {
            return "LOST WRITES on the source: " + String.join("; ", lost);
        }
        return total + " writes acknowledged through the proxy during the migration; the source holds every one of them; "
                + (targetLag.isEmpty() ? "so does the target"
                        : "the TARGET DIFFERS on " + targetLag.size() + " key(s): " + String.join(", ", targetLag));
    }

    private static String key(int counter) {
        return "demo:live:counter:" + counter;
    }
}
