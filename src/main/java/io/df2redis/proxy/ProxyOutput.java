package io.df2redis.proxy;

import io.df2redis.config.Secrets;
import io.df2redis.contract.secrets.RedisUrls;
import io.df2redis.state.EventHub;
import io.quarkus.logging.Log;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;

/**
 * What of the proxy's output is shown where: every line masked (credentials of backend URLs and any other secret),
 * logged, the last ones kept for error messages and, bounded per run, sent as events.
 */
final class ProxyOutput {

    static final String READY_LINE = "DF2REDIS-PROXY READY";
    private static final int LINES_KEPT = 30;
    private static final int EVENTS_PER_RUN = 50;

    private final EventHub events;
    private final Deque<String> last = new ArrayDeque<>();
    private int eventsThisRun;

    ProxyOutput(EventHub events) {
        this.events = events;
    }

    /** A new proxy process (started or adopted): its events are counted afresh. */
    synchronized void newRun() {
        eventsThisRun = 0;
    }

    /** A line the proxy printed; its ready line completes {@code ready}. */
    void line(String line, CompletableFuture<Void> ready) {
        String masked = Secrets.mask(RedisUrls.maskUrls(line));
        if (masked.startsWith(READY_LINE)) {
            ready.complete(null);
        }
        Log.infof("proxy: %s", masked);
        if (remember(masked)) {
            events.emit("proxy.output", null, masked);
        }
    }

    /** Keeps the line; answers whether this run may still send an event. */
    private synchronized boolean remember(String line) {
        last.addLast(line);
        while (last.size() > LINES_KEPT) {
            last.removeFirst();
        }
        if (eventsThisRun >= EVENTS_PER_RUN || !worthAnEvent(line)) {
            return false;
        }
        eventsThisRun++;
        return true;
    }

    /** The last lines, for an error message. */
    synchronized String last() {
        return last.isEmpty() ? "(none)" : String.join(" | ", last);
    }

    /** Lines that deserve an event (bounded per run): the ready line, warnings, errors. */
    static boolean worthAnEvent(String line) {
        return line.startsWith("DF2REDIS-PROXY") || line.contains("WARN") || line.contains("ERROR") || line.contains("Exception");
    }
}
