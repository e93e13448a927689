package io.df2redis.migration.cutover;

import com.fasterxml.jackson.databind.JsonNode;
import io.df2redis.config.MigrationConfig;
import io.df2redis.migration.engine.StageContext;
import io.df2redis.migration.journal.JournalDrain;
import io.df2redis.migration.verify.Verifier;
import io.df2redis.proxy.ProxySupervisor;
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
    private final ProxySupervisor proxy;
    private final JournalDrain drain;
    private final Verifier verifier;
    private final RedisEndpoints redis;
    private final StatusStore store;
    private final io.df2redis.migration.event.EventHub events;

    public WriteFlip(MigrationConfig config, ProxySupervisor proxy, JournalDrain drain, Verifier verifier,
            RedisEndpoints redis, StatusStore store, io.df2redis.migration.event.EventHub events) {
        this.events = events;
        this.config = config;
        this.proxy = proxy;
        this.drain = drain;
        this.verifier = verifier;
        this.redis = redis;
        this.store = store;
    }

    /** How one attempt ended. */
    public record Attempt(boolean flipped, long pauseMillis, String reason) {
    }

    /**
     * One attempt. {@code route} is the route after the flip, {@code direction} the drain's direction
     * after it ({@code REVERSE} when the target becomes primary).
     */
    public Uni<Attempt> attempt(StageContext context, RouteKind route, JournalDrain.Direction direction) {
        return verifyUnfenced()
                .chain(() -> fencedFlip(context, route, direction))
                .onFailure().recoverWithItem(failure -> new Attempt(false, 0, "before the fence: " + failure.getMessage()));
    }

    /**
     * The keys dirtied since the last pass, verified before the fence goes on, so that the fenced
     * pass only has the writes of the last moments to check.
     */
    private Uni<Void> verifyUnfenced() {
        return verifier.dirtyPass(report -> { })
                .invoke(report -> {
                    if (report.mismatched > 0) {
                        throw new IllegalStateException("keys dirtied since the last pass differ: " + report.summary());
                    }
                })
                .replaceWithVoid();
    }

    private Uni<Attempt> fencedFlip(StageContext context, RouteKind route, JournalDrain.Direction direction) {
        long started = System.nanoTime();
        Duration maxPause = config.proxy().fence().maxPause();
        return proxy.console().fence(true, "hold")
                .chain(() -> beforeFlip(context)
                        .ifNoItem().after(maxPause).failWith(() -> new TimeoutException("not ready within proxy.fence.maxPause ("
                                + maxPause.toMillis() + " ms)")))
                .chain(head -> flip(route, direction, head))
                .chain(() -> lift())
                .map(ok -> new Attempt(true, elapsed(started), null))
                .onFailure().recoverWithUni(failure -> lift()
                        .onFailure().recoverWithItem(liftFailure -> {
                            context.warn("could not lift the fence: " + liftFailure.getMessage()
                                    + " (the proxy lifts it by itself after proxy.fence.maxHold)");
                            return null;
                        })
                        .map(ignored -> new Attempt(false, elapsed(started), failure.getMessage())));
    }

    /** In-flight writes done, journal drained, dirty keys verified; returns the journal head. */
    private Uni<Long> beforeFlip(StageContext context) {
        return proxy.console().noWriteInFlight()
                .chain(head -> drain.awaitApplied(head, config.proxy().fence().maxPause())
                        .chain(() -> verifier.dirtyPass(report -> { }))
                        .map(report -> {
                            if (report.mismatched > 0) {
                                throw new IllegalStateException("keys dirtied since the last pass still differ: " + report.summary());
                            }
                            return head;
                        }))
                .chain(head -> fenceKeys().replaceWith(head));
    }

    /** {@code consistency.fenceKey} on both sides: when the flip happened, for the operator and for audits. */
    private Uni<Void> fenceKeys() {
        String now = String.valueOf(System.currentTimeMillis());
        Request onSource = Request.cmd(Command.SET).arg(config.consistency().fenceKey()).arg(now);
        Request onTarget = Request.cmd(Command.SET).arg(config.consistency().fenceKey()).arg(now);
        return redis.source().send(onSource, "SET " + config.consistency().fenceKey())
                .chain(() -> redis.target().send(onTarget, "SET " + config.consistency().fenceKey()))
                .replaceWithVoid();
    }

    private Uni<Void> flip(RouteKind route, JournalDrain.Direction direction, long head) {
        store.update(s -> {
            s.cutover.put("flipping", route.name().toLowerCase().replace('_', '-'));
            s.cutover.put("flipSeq", head);
        });
        return Uni.createFrom().completionStage(store::durable)
                .chain(() -> proxy.applyRoute(route, 0))
                .chain(() -> drain.switchDirection(direction))
                .invoke(() -> store.update(s -> {
                    s.cutover.remove("flipping");
                    s.cutover.put("writesFlipped", direction == JournalDrain.Direction.REVERSE);
                    s.cutover.put("state", direction == JournalDrain.Direction.REVERSE ? "writes-flipped" : "writes-back-on-source");
                }))
                .chain(() -> Uni.createFrom().completionStage(store::durable));
    }

    private Uni<JsonNode> lift() {
        return proxy.console().fence(false, null);
    }

    private static long elapsed(long started) {
        return (System.nanoTime() - started) / 1_000_000;
    }

    /** Adds an attempt to {@code status.fence}, the pause figures to the metrics, and a {@code fence.attempt} event. */
    public void record(String purpose, Attempt attempt) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("purpose", purpose);
        data.put("pauseMs", attempt.pauseMillis());
        data.put("outcome", attempt.flipped() ? "flipped" : "kept-old-primary");
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
                .map(status -> status.path("route").path("operation").path("read").toString().contains(target));
    }
}
