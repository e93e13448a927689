package io.df2redis.migration.scripts;

import io.df2redis.contract.console.ScriptBodies;
import io.df2redis.contract.console.ScriptFigures;
import io.df2redis.migration.engine.StageContext;
import io.df2redis.proxy.ProxyControl;
import io.df2redis.proxy.ProxyStatusPoller;
import io.df2redis.resp.RedisEndpoints;
import io.df2redis.resp.RedisSide;
import io.df2redis.state.ScriptState;
import io.df2redis.state.StatusStore;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;

/**
 * The Lua scripts applications use, kept usable on whichever side takes reads or writes:
 * <ul>
 *   <li>{@link #copyFromSource}: at the start, the bodies a Dragonfly source lists ({@code SCRIPT LIST}) are
 *   handed to the proxy, so that their {@code EVALSHA} runs on both sides (a Redis source cannot list its
 *   scripts);</li>
 *   <li>{@link #loadOntoTarget}/{@link #loadOntoSource}: every body the proxy recorded is {@code SCRIPT LOAD}ed on
 *   the side about to take reads or writes (every master of a cluster target), before each read batch, the
 *   write flip and a rollback's flip back;</li>
 *   <li>{@link #refreshRuns}: the script runs the proxy counted that may have written keys they did not
 *   declare (the journal does not have those keys), added up across proxy restarts; a full verify pass must
 *   cover them ({@link io.df2redis.migration.verify.FullPassDue}).</li>
 * </ul>
 */
@ApplicationScoped
public class ScriptCopy {

    private final ProxyControl proxy;
    private final RedisEndpoints redis;
    private final StatusStore store;

    public ScriptCopy(ProxyControl proxy, RedisEndpoints redis, StatusStore store) {
        this.proxy = proxy;
        this.redis = redis;
        this.store = store;
    }

    /** The bodies the source lists, recorded by the proxy; 0 when the source cannot list them (Redis). */
    public Uni<Integer> copyFromSource(StageContext context) {
        return listedBySource()
                .chain(bodies -> bodies == null ? Uni.createFrom().item(-1) : recordAll(bodies))
                .invoke(copied -> {
                    if (copied < 0) {
                        context.info("the source cannot list its scripts (SCRIPT LIST): EVALSHA of a script loaded on it before the "
                                + "migration and never run through the proxy is answered NOSCRIPT by the proxy, and the client's "
                                + "usual fallback (EVAL) runs it on both sides");
                        return;
                    }
                    store.update(s -> s.scripts.copiedFromSource = copied);
                    context.info(copied + " scripts listed by the source (SCRIPT LIST) handed to the proxy");
                })
                .map(copied -> Math.max(copied, 0));
    }

    /** Every body the proxy recorded, loaded on every master of the target: before a read batch and the write flip. */
    public Uni<Integer> loadOntoTarget(StageContext context) {
        return bodies()
                .chain(bodies -> redis.targetMasters().chain(masters -> loadAll(masters, bodies)))
                .invoke(loaded -> store.update(s -> s.scripts.loadedOnTarget = loaded))
                .invoke(loaded -> context.info(loaded + " scripts seen through the proxy loaded on the target (SCRIPT LOAD)"));
    }

    /** Every body the proxy recorded, loaded on the source: before a rollback's flip back to it. */
    public Uni<Integer> loadOntoSource(StageContext context) {
        return bodies()
                .chain(bodies -> loadAll(List.of(redis.source()), bodies))
                .invoke(loaded -> store.update(s -> s.scripts.loadedOnSource = loaded))
                .invoke(loaded -> context.info(loaded + " scripts seen through the proxy loaded on the source (SCRIPT LOAD)"));
    }

    /**
     * Reads the proxy's script counters now and adds the new runs to the untracked runs
     * ({@link ScriptState#proxyCounters}); the supervisor's periodic poll does the same.
     */
    public Uni<Void> refreshRuns() {
        return proxy.console().status()
                .invoke(status -> ProxyStatusPoller.countScripts(store, status.scripts()))
                .replaceWithVoid();
    }

    private Uni<List<byte[]>> bodies() {
        return proxy.console().scripts()
                .map(ScriptBodies::bodies);
    }

    /** One body after the other on each side (bounded: one SCRIPT LOAD in flight); returns how many each side took. */
    private Uni<Integer> loadAll(List<RedisSide> sides, List<byte[]> bodies) {
        List<Uni<Boolean>> loads = new ArrayList<>();
        for (RedisSide side : sides) {
            for (byte[] body : bodies) {
                loads.add(Uni.createFrom().deferred(() -> load(side, body)));
            }
        }
        return Multi.createFrom().iterable(loads)
                .onItem().transformToUniAndConcatenate(load -> load)
                .collect().asList()
                .map(results -> {
                    long refused = results.stream().filter(ok -> !ok).count();
                    if (refused > 0) {
                        store.update(s -> s.scripts.refusedBodies = (int) refused);
                    }
                    return sides.isEmpty() ? 0 : (int) (results.size() - refused) / sides.size();
                });
    }

    /**
     * One {@code SCRIPT LOAD}; false for a body the side cannot compile (it was sent in an {@code EVAL} that
     * failed the same way, so no application relies on it). Any other failure fails the load.
     */
    private static Uni<Boolean> load(RedisSide side, byte[] body) {
        return side.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(body), "SCRIPT LOAD")
                .map(reply -> true)
                .onFailure(failure -> String.valueOf(failure.getMessage()).contains("compil")).recoverWithItem(false);
    }

    /** The bodies the source lists; null when it has no {@code SCRIPT LIST} (Redis). */
    private Uni<List<byte[]>> listedBySource() {
        return redis.source().send(Command.SCRIPT, "LIST")
                .map(ScriptCopy::listed)
                .onFailure(failure -> String.valueOf(failure.getMessage()).toLowerCase().contains("unknown subcommand"))
                .recoverWithNull();
    }

    /**
     * Dragonfly answers one array per script: its SHA1, the body it runs, and, when it changed the body
     * (a {@code #!lua} flags line removed, calls batched), the body as loaded, whose SHA1 that is. The last
     * element is always the body to load again.
     */
    static List<byte[]> listed(Response reply) {
        List<byte[]> bodies = new ArrayList<>();
        if (reply == null) {
            return bodies;
        }
        for (int i = 0; i < reply.size(); i++) {
            Response entry = reply.get(i);
            if (entry != null && entry.size() >= 2) {
                bodies.add(entry.get(entry.size() - 1).toBytes());
            }
        }
        return bodies;
    }

    private Uni<Integer> recordAll(List<byte[]> bodies) {
        return Multi.createFrom().iterable(bodies)
                .onItem().transformToUniAndConcatenate(body -> proxy.console().recordScript(body))
                .collect().asList()
                .map(List::size);
    }
}
