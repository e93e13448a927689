package io.df2redis.migration.rollback;

import io.df2redis.config.MigrationConfig;
import io.df2redis.migration.cutover.PrimaryFlip;
import io.df2redis.migration.cutover.PrimarySide;
import io.df2redis.migration.engine.Orientation;
import io.df2redis.migration.engine.Stage;
import io.df2redis.migration.engine.StageContext;
import io.df2redis.migration.engine.StageResult;
import io.df2redis.migration.journal.JournalDrain;
import io.df2redis.proxy.ProxyControl;
import io.df2redis.proxy.RouteKind;
import io.df2redis.state.StageStatus;
import io.df2redis.state.StatusStore;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.time.Duration;

/**
 * The rollback plan: {@code rollback-drain → rollback-route → rollback-purge}. Before the write flip
 * the source is still primary and holds every acknowledged write: reads and writes go back to it
 * (pass-through), the drain stops, and {@code rollback.purgeTarget} removes the migrated keys from the
 * target. After the flip the journal records keys dirtied on the target: the drain, reversed, copies
 * them into the source until caught up, then a fenced flip makes the source primary again, so it
 * holds every write acknowledged while the target was primary (I6). Same engine and the same
 * {@link PrimaryFlip} as the write cutover, sides swapped: a flip back cut off by a restart is
 * finished or undone, and a possible-loss window forces a full verify pass first.
 */
@ApplicationScoped
public class RollbackStages {

    public static final String DRAIN = "rollback-drain";
    public static final String ROUTE = "rollback-route";
    public static final String PURGE = "rollback-purge";

    private static final Duration IN_FLIGHT_WAIT = Duration.ofSeconds(5);

    private final MigrationConfig config;
    private final ProxyControl proxy;
    private final JournalDrain drain;
    private final PrimaryFlip flip;
    private final StatusStore store;
    private final TargetPurge purge;
    private final io.df2redis.migration.cutover.MetaHookOff metaHook;

    public RollbackStages(MigrationConfig config, ProxyControl proxy, JournalDrain drain, PrimaryFlip flip,
            StatusStore store, TargetPurge purge, io.df2redis.migration.cutover.MetaHookOff metaHook) {
        this.metaHook = metaHook;
        this.config = config;
        this.proxy = proxy;
        this.drain = drain;
        this.flip = flip;
        this.store = store;
        this.purge = purge;
    }

    boolean flipped() {
        return Boolean.TRUE.equals(store.read(s -> s.cutover.get("writesFlipped")));
    }

    @Produces
    @ApplicationScoped
    Stage drainStage() {
        return stage(DRAIN, "after the write flip: drain the keys dirtied on the target into the source; before: stop the drain",
                context -> flip.settleInterrupted(context)
                        .chain(() -> flipped() ? reverseCatchUp(context) : drain.stop()
                                .replaceWith(StageResult.succeeded("the source is still primary: drain stopped, nothing to copy back"))));
    }

    @Produces
    @ApplicationScoped
    Stage routeStage() {
        return stage(ROUTE, "return reads and writes to the source (a fenced flip back when the target was primary)",
                context -> flip.settleInterrupted(context)
                        .chain(() -> flipped() ? flip.run(context, PrimarySide.SOURCE) : Uni.createFrom().item((StageResult) null))
                        .chain(flipBack -> flipBack != null && flipBack.status() != StageStatus.SUCCEEDED ? Uni.createFrom().item(flipBack)
                                : proxy.applyRoute(RouteKind.SOURCE, 0)
                                        // Writes sent before the route change finish on the old backends.
                                        .chain(() -> proxy.console().noWriteInFlight()
                                                .ifNoItem().after(IN_FLIGHT_WAIT).recoverWithItem(0L))
                                        .chain(() -> drain.stop())
                                        .chain(() -> metaHook.turnOff())
                                        .invoke(() -> store.update(s -> {
                                            s.cutover.put("state", "rolled-back");
                                            s.cutover.put("writesFlipped", false);
                                            s.metrics.put("cutover_read_percentage", 0.0);
                                        }))
                                        .replaceWith(StageResult.succeeded("reads and writes go to the source only (pass-through)"))));
    }

    @Produces
    @ApplicationScoped
    Stage purgeStage() {
        return stage(PURGE, "with rollback.purgeTarget: delete the migrated keys from the target",
                context -> !config.rollback().purgeTarget()
                        ? Uni.createFrom().item(StageResult.skipped("rollback.purgeTarget is off: the target keeps its keys"))
                        : purge.run(context, Orientation.of(PrimarySide.SOURCE.direction(), config)).map(n -> StageResult.succeeded(n + " migrated keys deleted from the target")));
    }

    private Uni<StageResult> reverseCatchUp(StageContext context) {
        return drain.ensureRunning(0)
                .chain(() -> drain.caughtUp(context))
                .map(applied -> StageResult.succeeded("the source caught up with the writes made on the target (sequence "
                        + applied + ")"));
    }

    private static Stage stage(String name, String description, java.util.function.Function<StageContext, Uni<StageResult>> body) {
        return new Stage() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String description() {
                return description;
            }

            @Override
            public Uni<StageResult> run(StageContext context) {
                return body.apply(context);
            }
        };
    }
}
