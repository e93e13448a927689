package io.df2redis.migration.cutover;

import io.df2redis.contract.console.FenceState;
import io.df2redis.config.MigrationConfig;
import io.df2redis.migration.engine.Orientation;
import io.df2redis.migration.engine.StageContext;
import io.df2redis.migration.journal.JournalDrain;
import io.df2redis.migration.verify.Verifier;
import io.df2redis.proxy.ProxyControl;
import io.df2redis.proxy.RouteKind;
import io.df2redis.resp.RedisEndpoints;
import io.df2redis.state.StatusStore;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * The fenced flip of the primary (phase 9), in either direction: fence writes (held, not refused),
 * wait until no write is in flight, drain the journal to its head, verify the keys dirtied since the
 * last pass, write the fence key on both sides, flip the route and the drain's direction, lift the
 * fence. Everything before the route flip must fit in {@code proxy.fence.maxPause}; if it does not,
 * the fence lifts with the old primary kept and the attempt reports why (nothing flips, I4).
 */
@ApplicationScoped
public class WriteFlip {

    private final MigrationConfig config;
    private final ProxyControl proxy;
    private final JournalDrain drain;
    private final Verifier verifier;
    private final RedisEndpoints redis;
    private final StatusStore store;
    private final io.df2redis.state.EventHub events;

    public WriteFlip(MigrationConfig config, ProxyControl proxy, JournalDrain drain, Verifier verifier,
            RedisEndpoints redis, StatusStore store, io.df2redis.state.EventHub events) {
        this.events = events;
        this.config = config;
        this.proxy = proxy;
        this.drain = drain;
        this.verifier = verifier;
        this.redis = redis;
        this.store = store;
    }

    /** How one attempt ended, and how long each step of its pause took (in order, milliseconds). */
    public record Attempt(boolean flipped, long pauseMillis, String reason, Map<String, Long> steps) {
    }

    /** The steps of one pause, timed as they end (for status, events and the cutover benchmark). */
    private static final class Steps {
        private final long started = System.nanoTime();
        private long last = started;
        private final Map<String, Long> millis = new LinkedHashMap<>();

        void done(String step) {
            long now = System.nanoTime();
            millis.put(step, (now - last) / 1_000_000);
            last = now;
        }

        long elapsed() {
            return (System.nanoTime() - started) / 1_000_000;
        }
    }

    /**
     * One attempt. {@code after} is the direction after the flip ({@code REVERSE} when the target becomes
     * primary); its {@link Orientation} gives the route and the drain's direction from then on.
     */
    public Uni<Attempt> attempt(StageContext context, Orientation.Direction after) {
        Orientation orientation = Orientation.of(after, config);
        return verifyUnfenced()
                .chain(() -> fencedFlip(context, orientation))
                .onFailure().recoverWithItem(failure -> new Attempt(false, 0, "before the fence: " + failure.getMessage(), Map.of()));
    }

    /**
     * The keys dirtied since the last pass, verified before the fence goes on, so that the fenced
     * pass only has the writes of the last moments to check. Under a steady write load each pass
     * covers the writes made during the one before, so a few passes in a row shrink what the fenced
     * pass (which holds every client) has left to check.
     */
    private Uni<Void> verifyUnfenced() {
        return verifyUnfenced(1);
    }

    private Uni<Void> verifyUnfenced(int pass) {
        return verifier.dirtyPass(report -> { })
                .invoke(report -> {
                    if (report.mismatched > 0) {
                        throw new IllegalStateException("keys dirtied since the last pass differ: " + report.summary());
                    }
                })
                .chain(report -> report.checked > FEW_DIRTY_KEYS && pass < UNFENCED_PASSES ? verifyUnfenced(pass + 1)
                        : Uni.createFrom().voidItem());
    }

    /** Few enough dirty keys for the fenced pass to check them in a moment. */
    private static final long FEW_DIRTY_KEYS = 200;
    private static final int UNFENCED_PASSES = 4;

    /**
     * The flip under way is on disk before the fence goes on; a restart settles it by the route the proxy
     * has (PrimaryFlip). So under the fence the status changes in memory only, and reaches the disk after
     * the fence lifted.
     */
    private Uni<Attempt> fencedFlip(StageContext context, Orientation after) {
        Duration maxPause = config.proxy().fence().maxPause();
        boolean[] routeSent = {false};
        return recordFlipUnderWay(after.route())
                // The fence's console path is taken once per flip: this read takes it first, outside the pause.
                .call(() -> proxy.console().fenceState())
                .chain(() -> {
                    Steps steps = new Steps();
                    return proxy.console().fence(true, "hold")
                            .invoke(() -> steps.done("fenceOn"))
                            .chain(fenceState -> beforeFlip(context, steps, fenceState)
                                    .ifNoItem().after(maxPause).failWith(() -> new TimeoutException("not ready within proxy.fence.maxPause ("
                                            + maxPause.toMillis() + " ms)")))
                            .invoke(() -> routeSent[0] = true)
                            .chain(() -> flip(after, steps))
                            .chain(() -> lift())
                            .invoke(() -> steps.done("lift"))
                            .map(ok -> new Attempt(true, steps.elapsed(), null, java.util.Collections.unmodifiableMap(new LinkedHashMap<>(steps.millis))))
                            .onFailure().recoverWithUni(failure -> lift()
                                    .onFailure().recoverWithItem(liftFailure -> {
                                        context.warn("could not lift the fence: " + liftFailure.getMessage()
                                                + " (the proxy lifts it by itself after proxy.fence.maxHold)");
                                        return null;
                                    })
                                    .invoke(() -> {
                                        if (!routeSent[0]) {
                                            store.update(s -> s.cutover.remove("flipping"));
                                        }
                                    })
                                    .map(ignored -> new Attempt(false, steps.elapsed(), failure.getMessage(),
                                            java.util.Collections.unmodifiableMap(new LinkedHashMap<>(steps.millis)))));
                })
                .call(() -> Uni.createFrom().completionStage(store::durable));
    }

    private Uni<Void> recordFlipUnderWay(RouteKind route) {
        store.update(s -> s.cutover.put("flipping", route.name().toLowerCase().replace('_', '-')));
        return Uni.createFrom().completionStage(store::durable).replaceWithVoid();
    }

    /**
     * In-flight writes done, journal drained, dirty keys verified; returns the journal head. The fence's own
     * answer says what was in flight once every client connection had stopped reading: when nothing was, the
     * console is not asked again.
     */
    private Uni<Long> beforeFlip(StageContext context, Steps steps, FenceState fenceState) {
        Uni<Long> noWriteInFlight = fenceState.on() && fenceState.inflight() == 0
                ? Uni.createFrom().item(fenceState.journalHead())
                : proxy.console().noWriteInFlight();
        return noWriteInFlight
                .invoke(() -> steps.done("inFlight"))
                .chain(head -> drain.awaitApplied(head, config.proxy().fence().maxPause())
                        .invoke(() -> steps.done("drain"))
                        .chain(() -> verifier.dirtyPass(report -> { }))
                        .invoke(() -> steps.done("verify"))
                        .map(report -> {
                            if (report.mismatched > 0) {
                                throw new IllegalStateException("keys dirtied since the last pass still differ: " + report.summary());
                            }
                            return head;
                        }))
                .chain(head -> fenceKeys().replaceWith(head))
                .invoke(() -> steps.done("fenceKeys"));
    }

    /** {@code consistency.fenceKey} on both sides: when the flip happened, for the operator and for audits. */
    private Uni<Void> fenceKeys() {
        String now = String.valueOf(System.currentTimeMillis());
        Request onSource = Request.cmd(Command.SET).arg(config.consistency().fenceKey()).arg(now);
        Request onTarget = Request.cmd(Command.SET).arg(config.consistency().fenceKey()).arg(now);
        return Uni.combine().all().unis(redis.source().send(onSource, "SET " + config.consistency().fenceKey()),
                        redis.target().send(onTarget, "SET " + config.consistency().fenceKey()))
                .discardItems();
    }

    private Uni<Void> flip(Orientation after, Steps steps) {
        return proxy.applyRoute(after.route(), 0)
                .invoke(() -> steps.done("route"))
                .chain(() -> drain.switchDirectionInMemory(after.direction()))
                .invoke(() -> store.update(s -> {
                    s.cutover.remove("flipping");
                    s.cutover.put("writesFlipped", after.writesFlipped());
                    s.cutover.put("state", after.writesFlipped() ? "writes-flipped" : "writes-back-on-source");
                }))
                .invoke(() -> steps.done("direction"));
    }

    private Uni<FenceState> lift() {
        return proxy.console().fence(false, null);
    }

    /** Adds an attempt to {@code status.fence}, the pause figures to the metrics, and a {@code fence.attempt} event. */
    public void record(String purpose, Attempt attempt) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("purpose", purpose);
        data.put("pauseMs", attempt.pauseMillis());
        data.put("outcome", attempt.flipped() ? "flipped" : "kept-old-primary");
        data.put("stepsMs", attempt.steps());
        if (attempt.reason() != null) {
            data.put("reason", attempt.reason());
        }
        events.emit("fence.attempt", "rollback".equals(purpose) ? "rollback-route" : "fence", purpose + ": "
                + (attempt.flipped() ? "flipped" : "kept the old primary (" + attempt.reason() + ")") + " after a pause of "
                + attempt.pauseMillis() + " ms", data);
        store.update(s -> {
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> attempts = (List<Map<String, Object>>) s.fence.computeIfAbsent("attempts", k -> new ArrayList<>());
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("purpose", purpose);
            entry.put("at", java.time.Instant.now().toString());
            entry.put("pauseMs", attempt.pauseMillis());
            entry.put("outcome", attempt.flipped() ? "flipped" : "kept-old-primary");
            entry.put("reason", attempt.reason());
            entry.put("stepsMs", attempt.steps());
            attempts.add(entry);
            while (attempts.size() > 50) {
                attempts.remove(0);
            }
            List<Long> pauses = attempts.stream().map(a -> ((Number) a.get("pauseMs")).longValue()).sorted().toList();
            s.fence.put("pauseP50Ms", pauses.get(pauses.size() / 2));
            s.fence.put("pauseMaxMs", pauses.get(pauses.size() - 1));
            s.metrics.put("fence_pause_last_ms", (double) attempt.pauseMillis());
            s.metrics.merge("fence_attempts", 1.0, Double::sum);
            if (!attempt.flipped()) {
                s.metrics.merge("fence_aborted_attempts", 1.0, Double::sum);
            }
        });
    }

    /** Whether the proxy's route reads from the target now (a flip that was under way when the service stopped). */
    public Uni<Boolean> proxyReadsTarget() {
        String target = config.target().seed().split(",")[0].trim();
        return proxy.console().status()
                .map(status -> status.route().path("operation").path("read").toString().contains(target));
    }
}
