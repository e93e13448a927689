package io.df2redis.migration.cutover;

import io.df2redis.config.MigrationConfig;
import io.df2redis.migration.engine.Stage;
import io.df2redis.migration.engine.StageContext;
import io.df2redis.migration.engine.StageResult;
import io.df2redis.migration.journal.JournalDrain;
import io.df2redis.migration.verify.FullPassDue;
import io.df2redis.migration.verify.Verifier;
import io.df2redis.proxy.RouteKind;
import io.df2redis.state.StatusStore;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/**
 * The write cutover: up to {@code proxy.fence.attempts} fenced flips ({@link WriteFlip}) that make the
 * target primary, the source its mirror, and the target the read side. A flip that finished is never
 * done again (I5): a restarted stage sees {@code writesFlipped}, or reconciles a flip that was under
 * way with the route the proxy has.
 */
@ApplicationScoped
public class FenceStage implements Stage {

    private static final Duration BETWEEN_ATTEMPTS = Duration.ofSeconds(1);

    private final WriteFlip flip;
    private final JournalDrain drain;
    private final Verifier verifier;
    private final StatusStore store;
    private final MigrationConfig config;

    public FenceStage(WriteFlip flip, JournalDrain drain, Verifier verifier, StatusStore store, MigrationConfig config) {
        this.flip = flip;
        this.drain = drain;
        this.verifier = verifier;
        this.store = store;
        this.config = config;
    }

    @Override
    public String name() {
        return "fence";
    }

    @Override
    public String description() {
        return "hold writes for a moment, drain and verify, flip the primary to the target";
    }

    @Override
    public Uni<StageResult> run(StageContext context) {
        if (Boolean.TRUE.equals(store.read(s -> s.cutover.get("writesFlipped")))) {
            return drain.ensureRunning(0).replaceWith(StageResult.succeeded("writes were already flipped to the target"));
        }
        boolean underWay = store.read(s -> s.cutover.containsKey("flipping"));
        return drain.ensureRunning(0)
                .chain(() -> underWay ? reconcile(context) : Uni.createFrom().item(false))
                .chain(done -> done ? Uni.createFrom().item(StageResult.succeeded("the flip under way when the service stopped had reached the proxy; finished it"))
                        : fullPassIfDue(context).chain(blocked -> blocked != null ? Uni.createFrom().item(blocked) : attempt(context, 1)));
    }

    private Uni<Boolean> reconcile(StageContext context) {
        return flip.proxyReadsTarget()
                .chain(reads -> {
                    if (!reads) {
                        store.update(s -> s.cutover.remove("flipping"));
                        return Uni.createFrom().item(false);
                    }
                    context.warn("the proxy already routes to the target: completing the interrupted flip");
                    return drain.switchDirection(JournalDrain.Direction.REVERSE)
                            .invoke(() -> store.update(s -> {
                                s.cutover.remove("flipping");
                                s.cutover.put("writesFlipped", true);
                                s.cutover.put("state", "writes-flipped");
                            }))
                            .replaceWith(true);
                });
    }

    private Uni<StageResult> fullPassIfDue(StageContext context) {
        FullPassDue due = FullPassDue.read(store);
        if (!due.due()) {
            return Uni.createFrom().nullItem();
        }
        context.warn("the proxy was down unexpectedly: a full verify pass runs before the write cutover");
        return verifier.scanPass(1.0, report -> context.progress(report.checked, null, "keys verified"))
                .map(report -> {
                    if (report.mismatched > 0) {
                        return StageResult.blocked("full verify after a proxy outage: " + report.summary());
                    }
                    due.markCovered(store);
                    return null;
                });
    }

    private Uni<StageResult> attempt(StageContext context, int number) {
        int attempts = config.proxy().fence().attempts();
        return flip.attempt(context, RouteKind.FLIPPED, JournalDrain.Direction.REVERSE)
                .invoke(a -> flip.record("write cutover", a))
                .chain(a -> {
                    if (a.flipped()) {
                        context.info("writes flipped to the target; pause " + a.pauseMillis() + " ms");
                        context.metric("cutover_read_percentage", 100);
                        return Uni.createFrom().item(StageResult.succeeded("target is primary (source mirrored, reads on the target); "
                                + "pause " + a.pauseMillis() + " ms on attempt " + number));
                    }
                    context.warn("write cutover attempt " + number + "/" + attempts + " kept the source primary after "
                            + a.pauseMillis() + " ms: " + a.reason());
                    if (number >= attempts || context.cancelled()) {
                        return Uni.createFrom().item(StageResult.blocked(attempts + " write cutover attempts kept the source primary; last: "
                                + a.reason() + ". Lower the write load or raise proxy.fence.maxPause (below maxHold), then resume"));
                    }
                    return Uni.createFrom().voidItem().onItem().delayIt().by(BETWEEN_ATTEMPTS)
                            .chain(() -> attempt(context, number + 1));
                });
    }
}
