package io.df2redis.migration.cutover;

import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationPaths;
import io.df2redis.migration.engine.Stage;
import io.df2redis.migration.engine.StageContext;
import io.df2redis.migration.engine.StageResult;
import io.df2redis.migration.journal.JournalDrain;
import io.df2redis.proxy.ProxyControl;
import io.df2redis.proxy.RouteKind;
import io.df2redis.state.StatusJson;
import io.df2redis.state.StatusStore;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Phase 10: after {@code cleanup.observeFor} (or {@code POST .../cutover/advance}), stops mirroring to
 * the source (unless {@code cleanup.keepMirror}: the proxy stays on the flipped route and the drain
 * goes on), removes the meta and {@code MIGRATE_*} keys, and writes the final report into the status
 * and {@code <stateDir>/report.json}. The proxy stays up as a pass-through to the target.
 */
@ApplicationScoped
public class CleanupStage implements Stage {

    private final MigrationConfig config;
    private final MigrationPaths paths;
    private final ProxyControl proxy;
    private final JournalDrain drain;
    private final OwnKeyRemoval ownKeys;
    private final StatusStore store;
    private final CutoverControl control;
    private final MetaHookOff metaHook;

    public CleanupStage(MigrationConfig config, MigrationPaths paths, ProxyControl proxy, JournalDrain drain,
            OwnKeyRemoval ownKeys, StatusStore store, CutoverControl control, MetaHookOff metaHook) {
        this.metaHook = metaHook;
        this.config = config;
        this.paths = paths;
        this.proxy = proxy;
        this.drain = drain;
        this.ownKeys = ownKeys;
        this.store = store;
        this.control = control;
    }

    @Override
    public String name() {
        return "cleanup";
    }

    @Override
    public String description() {
        return "after the observation window: stop mirroring, remove meta and MIGRATE_* keys, write the report";
    }

    @Override
    public Uni<StageResult> run(StageContext context) {
        if (!Boolean.TRUE.equals(store.read(s -> s.cutover.get("writesFlipped")))) {
            return Uni.createFrom().item(StageResult.blocked("the writes are not flipped to the target: run the fence stage first"));
        }
        return observe(context)
                .chain(() -> stopMirror(context))
                .chain(() -> metaHook.turnOff())
                .chain(() -> ownKeys.removeAll())
                .invoke(removed -> context.info("removed " + removed + " meta and MIGRATE_* keys"))
                .chain(removed -> report(removed))
                .map(report -> StageResult.succeeded((config.cleanup().keepMirror()
                        ? "mirroring to the source kept (cleanup.keepMirror); " : "proxy passes through to the target; ")
                        + "report in " + paths.stateDir().resolve("report.json")));
    }

    private Uni<Void> observe(StageContext context) {
        Duration window = config.cleanup().observeFor();
        if (window.isZero() || window.isNegative()) {
            return Uni.createFrom().voidItem();
        }
        context.info("observing the flipped migration for " + window + " (POST /api/v1/migration/cutover/advance ends it early)");
        var signal = control.await("cleanup");
        return Uni.createFrom().completionStage(signal)
                .ifNoItem().after(window).recoverWithItem(() -> null)
                .eventually(() -> control.clear(signal))
                .replaceWithVoid();
    }

    private Uni<Void> stopMirror(StageContext context) {
        if (config.cleanup().keepMirror()) {
            return drain.ensureRunning(0);
        }
        return proxy.applyRoute(RouteKind.TARGET, 0)
                .chain(() -> drain.stop())
                .invoke(() -> store.update(s -> s.cutover.put("state", "done")))
                .invoke(() -> context.info("mirroring to the source stopped: the proxy passes through to the target"));
    }

    private Uni<Map<String, Object>> report(long removed) {
        Map<String, Object> report = store.read(s -> {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("finishedAt", java.time.Instant.now().toString());
            r.put("startedAt", s.startedAt == null ? null : s.startedAt.toString());
            Map<String, Object> stages = new LinkedHashMap<>();
            s.stages.forEach(st -> {
                Map<String, Object> one = new LinkedHashMap<>();
                one.put("status", st.status.json());
                one.put("startedAt", st.startedAt == null ? null : st.startedAt.toString());
                one.put("finishedAt", st.finishedAt == null ? null : st.finishedAt.toString());
                one.put("message", st.message);
                stages.put(st.name, one);
            });
            r.put("stages", stages);
            r.put("metrics", new LinkedHashMap<>(s.metrics));
            r.put("fence", new LinkedHashMap<>(s.fence));
            r.put("possibleLossWindows", s.possibleLossWindows.size());
            r.put("ownKeysRemoved", removed);
            return r;
        });
        store.update(s -> s.cutover.put("report", report));
        return Uni.createFrom().item(() -> {
                    try {
                        Files.write(paths.stateDir().resolve("report.json"),
                                StatusJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(report));
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot write the report in " + paths.stateDir() + ": " + e.getMessage(), e);
                    }
                    return report;
                })
                // File I/O: off the event loop.
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }
}
