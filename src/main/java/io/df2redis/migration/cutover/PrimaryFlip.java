package io.df2redis.migration.cutover;

import io.df2redis.config.MigrationConfig;
import io.df2redis.migration.engine.StageContext;
import io.df2redis.migration.engine.StageResult;
import io.df2redis.migration.journal.JournalDrain;
import io.df2redis.migration.scripts.ScriptCopy;
import io.df2redis.migration.verify.FullPassDue;
import io.df2redis.migration.verify.Verifier;
import io.df2redis.state.StatusStore;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/**
 * The flip of the primary as a stage body, one for both plans: the {@code fence} stage makes the
 * target primary, the rollback's {@code rollback-route} the source again. In order:
 * <ol>
 *   <li>a flip already done is not done again (I5);</li>
 *   <li>a flip that a restart cut off ({@code cutover.flipping} recorded) is finished when the proxy
 *       already has the new route, else undone (the old primary kept); the fence is lifted either way;</li>
 *   <li>after a possible-loss window (the proxy died unexpectedly) a full verify pass runs first, and
 *       the flip blocks while it finds differences;</li>
 *   <li>the journal drain caught up (lag within {@code sync.readyLag}): a burst of writes is waited out
 *       for up to {@code migrate.cutover.drainWait} before the fence goes on, since the fenced drain must
 *       fit in {@code proxy.fence.maxPause}; blocked when it does not catch up in that time;</li>
 *   <li>up to {@code proxy.fence.attempts} fenced flips ({@link WriteFlip}), one second apart.</li>
 * </ol>
 */
@ApplicationScoped
public class PrimaryFlip {

    private static final Duration BETWEEN_ATTEMPTS = Duration.ofSeconds(1);

    private final WriteFlip flip;
    private final JournalDrain drain;
    private final Verifier verifier;
    private final StatusStore store;
    private final MigrationConfig config;
    private final io.df2redis.proxy.ProxyControl proxy;
    private final ScriptCopy scripts;

    public PrimaryFlip(WriteFlip flip, JournalDrain drain, Verifier verifier, StatusStore store, MigrationConfig config,
            io.df2redis.proxy.ProxyControl proxy, ScriptCopy scripts) {
        this.scripts = scripts;
        this.flip = flip;
        this.drain = drain;
        this.verifier = verifier;
        this.store = store;
        this.config = config;
        this.proxy = proxy;
    }

    /** Makes {@code primary} the primary side; blocked (with why and what to do) when it cannot. */
    public Uni<StageResult> run(StageContext context, PrimarySide primary) {
        return drain.ensureRunning(0)
                .chain(() -> settleInterrupted(context))
                .chain(finished -> {
                    if (primary.writesFlipped() != Boolean.TRUE.equals(store.read(s -> s.cutover.get("writesFlipped")))) {
                        return fullPassIfDue(context, primary)
                                .chain(blocked -> blocked != null ? Uni.createFrom().item(blocked) : drainCaughtUp(context, primary))
                                .call(blocked -> blocked != null ? Uni.createFrom().voidItem() : loadScripts(context, primary))
                                .chain(blocked -> blocked != null ? Uni.createFrom().item(blocked) : attempt(context, primary, 1));
                    }
                    return Uni.createFrom().item(StageResult.succeeded(finished
                            ? "the flip under way when the service stopped had reached the proxy; finished it"
                            : primary == PrimarySide.TARGET ? "writes were already flipped to the target" : "the source is primary already"));
                });
    }

    /**
     * Settles a flip that a restart cut off, in whichever direction it went, before anything relies on
     * which side is primary; true when it had reached the proxy and was finished. Touches neither the
     * drain nor the proxy when no flip was under way.
     */
    public Uni<Boolean> settleInterrupted(StageContext context) {
        String underWay = store.read(s -> (String) s.cutover.get("flipping"));
        if (underWay == null) {
            return Uni.createFrom().item(false);
        }
        return drain.ensureRunning(0)
                .chain(() -> reconcile(context, sideOf(underWay)));
    }

    private static PrimarySide sideOf(String route) {
        return PrimarySide.TARGET.route().name().toLowerCase().replace('_', '-').equals(route) ? PrimarySide.TARGET : PrimarySide.SOURCE;
    }

    /**
     * A flip cut off by a restart: the proxy has the new route (finish: the drain's direction and the
     * status follow) or not (undo: the old primary stays). The fence it may still hold is lifted.
     */
    private Uni<Boolean> reconcile(StageContext context, PrimarySide primary) {
        return liftFence(context)
                .chain(() -> flip.proxyReadsTarget())
                .chain(readsTarget -> {
                    if (readsTarget != (primary == PrimarySide.TARGET)) {
                        context.warn("a flip to the " + primary.side() + " was cut off before the proxy had the new route: "
                                + "the " + primary.other() + " stays primary, and the flip runs again");
                        store.update(s -> s.cutover.remove("flipping"));
                        return Uni.createFrom().item(false);
                    }
                    context.warn("the proxy already routes to the " + primary.side() + ": completing the interrupted flip");
                    return drain.switchDirection(primary.direction())
                            .invoke(() -> store.update(s -> {
                                s.cutover.remove("flipping");
                                s.cutover.put("writesFlipped", primary.writesFlipped());
                                s.cutover.put("state", primary.writesFlipped() ? "writes-flipped" : "writes-back-on-source");
                            }))
                            .replaceWith(true);
                });
    }

    private Uni<Void> liftFence(StageContext context) {
        return proxy.console().fence(false, null)
                .replaceWithVoid()
                .onFailure().recoverWithItem(failure -> {
                    context.warn("could not lift a fence left by the interrupted flip: " + failure.getMessage()
                            + " (the proxy lifts it by itself after proxy.fence.maxHold)");
                    return null;
                });
    }

    /** The scripts seen through the proxy, loaded on the side about to become primary (EVALSHA works there after the flip). */
    private Uni<Integer> loadScripts(StageContext context, PrimarySide primary) {
        return primary == PrimarySide.TARGET ? scripts.loadOntoTarget(context) : scripts.loadOntoSource(context);
    }

    /**
     * A full pass when a possible-loss window or script runs that may have written undeclared keys are not
     * covered yet; the blocked result when it finds differences.
     */
    private Uni<StageResult> fullPassIfDue(StageContext context, PrimarySide primary) {
        return scripts.refreshRuns()
                .chain(() -> fullPass(context, primary, FullPassDue.read(store)));
    }

    private Uni<StageResult> fullPass(StageContext context, PrimarySide primary, FullPassDue due) {
        if (!due.due()) {
            return Uni.createFrom().nullItem();
        }
        context.warn("a full verify pass runs before the " + (primary == PrimarySide.TARGET ? "write cutover" : "flip back to the source")
                + ": " + due.reason());
        return verifier.scanPass(1.0, report -> context.progress(report.checked, null, "keys verified"))
                .map(report -> {
                    if (report.mismatched > 0) {
                        return StageResult.blocked("full verify (" + due.reason() + "): " + report.summary());
                    }
                    due.markCovered(store);
                    return null;
                });
    }

    /**
     * Null once the drain has caught up (lag within {@code sync.readyLag}), waiting up to
     * {@code migrate.cutover.drainWait}; a blocked result saying what to do when it has not.
     */
    private Uni<StageResult> drainCaughtUp(StageContext context, PrimarySide primary) {
        Duration wait = config.migrate().cutover().drainWait();
        long lag = drain.lagMillis();
        if (drain.caughtUp(lag, -1)) {
            return Uni.createFrom().nullItem();
        }
        context.info("the journal drain is behind (" + drain.behind(lag, -1) + "): the "
                + (primary == PrimarySide.TARGET ? "write cutover" : "flip back") + " waits up to migrate.cutover.drainWait "
                + wait.toMillis() + " ms for it to catch up before it fences writes");
        return drain.awaitCaughtUp(context, -1, wait)
                .map(behind -> behind == null ? null : StageResult.blocked(CutoverStage.drainWaitExpired(behind, wait)
                        + "; nothing was fenced and the " + primary.other() + " stays primary. Resume once the write load allows"));
    }

    private Uni<StageResult> attempt(StageContext context, PrimarySide primary, int number) {
        int attempts = config.proxy().fence().attempts();
        return flip.attempt(context, primary.direction())
                .invoke(a -> flip.record(primary.purpose(), a))
                .chain(a -> {
                    if (a.flipped()) {
                        return Uni.createFrom().item(flipped(context, primary, a, number));
                    }
                    context.warn((primary == PrimarySide.TARGET ? "write cutover" : "flip back") + " attempt " + number + "/"
                            + attempts + " kept the " + primary.other() + " primary after " + a.pauseMillis() + " ms: " + a.reason());
                    if (number >= attempts || context.cancelled()) {
                        return Uni.createFrom().item(StageResult.blocked(gaveUp(primary, attempts, a.reason())));
                    }
                    return Uni.createFrom().voidItem().onItem().delayIt().by(BETWEEN_ATTEMPTS)
                            .chain(() -> attempt(context, primary, number + 1));
                });
    }

    private static StageResult flipped(StageContext context, PrimarySide primary, WriteFlip.Attempt a, int number) {
        if (primary == PrimarySide.TARGET) {
            context.info("writes flipped to the target; pause " + a.pauseMillis() + " ms");
            context.metric("cutover_read_percentage", 100);
            return StageResult.succeeded("target is primary (source mirrored, reads on the target); "
                    + "pause " + a.pauseMillis() + " ms on attempt " + number);
        }
        context.info("source is primary again; pause " + a.pauseMillis() + " ms");
        context.metric("cutover_read_percentage", 0);
        return StageResult.succeeded("source is primary again (target mirrored, reads on the source); "
                + "pause " + a.pauseMillis() + " ms on attempt " + number);
    }

    private static String gaveUp(PrimarySide primary, int attempts, String reason) {
        if (primary == PrimarySide.TARGET) {
            return attempts + " write cutover attempts kept the source primary; last: " + reason
                    + ". Lower the write load or raise proxy.fence.maxPause (below maxHold), then resume";
        }
        return attempts + " attempts to flip back kept the target primary; last: " + reason + ". The target stays primary "
                + "and mirrored to the source; lower the write load or raise proxy.fence.maxPause (below maxHold), then run "
                + "the rollback again";
    }
}
