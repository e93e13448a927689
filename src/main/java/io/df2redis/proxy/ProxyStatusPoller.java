package io.df2redis.proxy;

import io.df2redis.contract.console.ScriptFigures;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.df2redis.contract.console.ProxyStatus;
import io.df2redis.contract.secrets.RedisUrls;
import io.df2redis.state.EventHub;
import io.df2redis.state.StatusJson;
import io.df2redis.state.StatusStore;
import io.quarkus.logging.Log;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Copies the proxy console's figures (its status and Camellia's monitor) into the status and metrics every few seconds. */
@ApplicationScoped
public class ProxyStatusPoller {

    private static final Duration POLL_INTERVAL = Duration.ofSeconds(2);

    private final ProxyControl control;
    private final EventHub events;
    private final StatusStore store;
    private final Vertx vertx;
    private long pollTimer = -1;
    private volatile Map<String, Long> lastUnmirrorable = Map.of();

    public ProxyStatusPoller(ProxyControl control, EventHub events, StatusStore store, Vertx vertx) {
        this.control = control;
        this.events = events;
        this.store = store;
        this.vertx = vertx;
    }

    synchronized void start() {
        if (pollTimer >= 0) {
            return;
        }
        ProxyConsoleClient console = control.console();
        pollTimer = vertx.setPeriodic(POLL_INTERVAL.toMillis(), id -> console.status()
                .invoke(this::recordConsole)
                .chain(console::monitor)
                .subscribe().with(this::recordMonitor, failure -> Log.debugf("proxy console: %s", failure.getMessage())));
    }

    synchronized void stop() {
        if (pollTimer >= 0) {
            vertx.cancelTimer(pollTimer);
            pollTimer = -1;
        }
    }

    void recordConsole(ProxyStatus status) {
        ProxyStatus.Journal journal = status.journal();
        Map<String, Long> unmirrorable = status.unmirrorable() == null ? Map.of() : status.unmirrorable();
        store.update(s -> {
            s.proxy.put("journalHead", journal.head());
            s.proxy.put("inflight", status.inflight());
            s.proxy.put("fence", status.fence().on() ? "on" : "off");
            s.proxy.put("unmirrorable", new LinkedHashMap<String, Object>(unmirrorable));
            s.metrics.put("proxy_journal_head", (double) journal.head());
            s.metrics.put("proxy_journal_intents", (double) journal.intents());
            s.metrics.put("proxy_journal_refused", (double) journal.refused());
            s.metrics.put("proxy_inflight_writes", (double) status.inflight());
            s.metrics.put("proxy_fenced_writes", (double) status.fence().refused());
        });
        countScripts(store, status.scripts());
        if (!unmirrorable.equals(lastUnmirrorable) && !unmirrorable.isEmpty()) {
            lastUnmirrorable = unmirrorable;
            events.emit("proxy.unmirrorable", null, "clients use commands the proxy cannot dual-write (counts so far): "
                    + json(unmirrorable) + "; see README, Troubleshooting");
        }
    }

    /** Camellia's figures: qps, connections, per-backend rates and failures. */
    void recordMonitor(JsonNode monitor) {
        JsonNode qps = monitor.path("qpsStats").path(0);
        long failures = 0;
        for (JsonNode fail : monitor.path("failStats")) {
            failures += fail.path("count").asLong();
        }
        List<Map<String, Object>> backends = new ArrayList<>();
        for (JsonNode resource : monitor.path("resourceStats")) {
            backends.add(Map.of("resource", RedisUrls.maskUrl(resource.path("resource").asText()),
                    "qps", resource.path("qps").asDouble()));
        }
        long failed = failures;
        store.update(s -> {
            s.metrics.put("proxy_qps", qps.path("qps").asDouble());
            s.metrics.put("proxy_read_qps", qps.path("readQps").asDouble());
            s.metrics.put("proxy_write_qps", qps.path("writeQps").asDouble());
            s.metrics.put("proxy_client_connections", monitor.path("connectStats").path(0).path("connect").asDouble());
            s.metrics.put("proxy_failures_last_interval", (double) failed);
            s.proxy.put("backends", backends);
        });
    }

    private static String json(Map<String, Long> counts) {
        try {
            return StatusJson.MAPPER.writeValueAsString(counts);
        } catch (JsonProcessingException e) {
            return counts.toString();
        }
    }

    /** The script counters of a proxy {@code /status}, added to the status. */
    public static void countScripts(StatusStore store, ScriptFigures figures) {
        if (figures == null) {
            return;
        }
        store.update(s -> s.scripts.proxyCounters(figures.since(), figures.runs(), figures.flaggedRuns()));
    }
}
