package io.df2redis.proxy;

import io.df2redis.config.MigrationConfig;
import io.df2redis.contract.console.MultiWriteModeState;
import io.df2redis.contract.console.RouteState;
import io.df2redis.state.EventHub;
import io.df2redis.state.StatusStore;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the service changes in a running proxy, through its console: the route, the multi-write mode, and the
 * drain's progress for split reads. The fence is driven through {@link #console()} by the flip.
 */
@ApplicationScoped
public class ProxyControl {

    private final MigrationConfig config;
    private final ProxyFiles files;
    private final EventHub events;
    private final StatusStore store;
    private final ProxyConsoleClient console;
    private final AtomicLong appliedToReport = new AtomicLong();
    private final AtomicBoolean reportingApplied = new AtomicBoolean();
    private volatile boolean proxyUp;

    public ProxyControl(MigrationConfig config, ProxyFiles files, EventHub events, StatusStore store) {
        this.config = config;
        this.files = files;
        this.events = events;
        this.store = store;
        this.console = new ProxyConsoleClient(config.proxy().consolePort(), config.engine().remoteTimeout(), files.consoleToken());
    }

    public ProxyConsoleClient console() {
        return console;
    }

    /** Applies a route through the console: one round trip, answered once the route is in force. */
    public Uni<RouteState> applyRoute(RouteKind kind, int readPercent) {
        String json = new ProxyRoutes(config).render(kind, readPercent);
        // The console answers once the route is in force (and on disk): that answer is the confirmation.
        return console.applyRoute(json)
                .invoke(state -> {
                    if (state.routeVersion() <= 0) {
                        throw new IllegalStateException("the proxy did not confirm the route: " + state);
                    }
                })
                .invoke(state -> recordRoute(kind, readPercent, state.routeVersion()));
    }

    private void recordRoute(RouteKind kind, int readPercent, long routeVersion) {
        String name = kind.name().toLowerCase().replace('_', '-');
        store.update(s -> {
            s.proxy.put("route", name);
            s.proxy.put("readPercent", kind == RouteKind.READ_SPLIT ? readPercent : null);
            s.proxy.put("routeVersion", routeVersion);
        });
        events.emit("proxy.route", null, "proxy route is now " + name
                        + (kind == RouteKind.READ_SPLIT ? " (" + readPercent + "% of reads to the target)" : ""),
                Map.of("route", kind.name(), "routeVersion", routeVersion));
    }

    /**
     * Changes the proxy's multi-write mode in place (no restart, no dropped connection); the settings
     * file is rewritten too, so a restarted proxy starts in the new mode. From the first read cutover
     * on the service uses a mode whose reply covers both sides.
     */
    public Uni<Map<String, Object>> switchMultiWriteMode(MigrationConfig.MultiWriteMode mode) {
        return console.multiWriteMode(mode.name())
                .invoke(applied -> confirmMode(mode, applied))
                .chain(() -> Uni.createFrom().item(() -> {
                            files.writeSettings(mode);
                            return null;
                        })
                        // Blocking file I/O: the settings file (0600) is rewritten off the event loop.
                        .runSubscriptionOn(Infrastructure.getDefaultWorkerPool()))
                .map(ignored -> recordMode(mode));
    }

    private static void confirmMode(MigrationConfig.MultiWriteMode mode, MultiWriteModeState applied) {
        if (!mode.name().equals(applied.multiWriteMode())) {
            throw new IllegalStateException("the proxy did not confirm multi-write mode " + mode.name() + ": " + applied);
        }
    }

    private Map<String, Object> recordMode(MigrationConfig.MultiWriteMode mode) {
        String name = mode.name().toLowerCase().replace('_', '-');
        store.update(s -> s.proxy.put("multiWriteMode", name));
        events.emit("proxy.multi-write-mode", null, "proxy now in multi-write mode " + name + " (changed in place)");
        return Map.of("multiWriteMode", name);
    }

    /**
     * Passes the drain's progress on to the proxy, which sends reads of keys not applied yet to the
     * primary while reads are split: one console call in flight at a time, the newest sequence wins. A
     * call that fails is not retried here; the next applied batch reports again, and until then the
     * proxy only keeps more reads on the primary.
     */
    void journalApplied(@Observes JournalApplied applied) {
        appliedToReport.accumulateAndGet(applied.seq(), Math::max);
        reportApplied();
    }

    /** The proxy answers (started, adopted or restarted): the drain's progress is reported to it from now on. */
    void proxyUp() {
        proxyUp = true;
        reportApplied();
    }

    /** The proxy is being stopped or left behind: no more reports. */
    void proxyDown() {
        proxyUp = false;
    }

    private void reportApplied() {
        if (!proxyUp || appliedToReport.get() == 0 || !reportingApplied.compareAndSet(false, true)) {
            return;
        }
        long seq = appliedToReport.get();
        console.journalApplied(seq).subscribe().with(
                answer -> appliedReported(seq),
                failure -> {
                    Log.debugf("the proxy did not take applied sequence %d: %s", seq, failure.getMessage());
                    appliedReported(Long.MAX_VALUE);
                });
    }

    private void appliedReported(long seq) {
        reportingApplied.set(false);
        if (appliedToReport.get() > seq) {
            reportApplied();
        }
    }
}
