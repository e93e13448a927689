package io.df2redis.migration.cutover;

import io.df2redis.config.MigrationConfig;
import io.df2redis.migration.engine.Checkpoints;
import io.df2redis.migration.engine.Stage;
import io.df2redis.migration.engine.StageContext;
import io.df2redis.migration.engine.StageResult;
import io.df2redis.migration.journal.JournalDrain;
import io.df2redis.migration.scripts.ScriptCopy;
import io.df2redis.migration.verify.FullPassDue;
import io.df2redis.migration.verify.Verifier;
import io.df2redis.proxy.ProxyControl;
import io.df2redis.proxy.RouteKind;
import io.df2redis.state.StatusStore;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Phase 8, the progressive read cutover: batch by batch ({@code migrate.cutover.batches}) a share of
 * reads goes to the target and holds for the batch's duration while the keys dirtied meanwhile are
 * verified (plus one sample pass per batch). A batch advances only while its mismatches stay within
 * {@code maxMismatch} and the journal drain keeps up (backlog within {@code maxBacklog}, or lag within
 * {@code sync.readyLag}); otherwise reads return to the source and the stage is blocked with the reason
 * (fix, then resume: the batch runs again). A burst of writes that pushes the backlog over
 * {@code maxBacklog} is waited out for up to {@code migrate.cutover.drainWait}: the batch does not end
 * (nor block) while it drains, and blocks only if it has not drained by then.
 * The batch reached is checkpointed, so a restart never repeats a finished batch (I5).
 */
@ApplicationScoped
public class CutoverStage implements Stage {

    private final MigrationConfig config;
    private final ProxyControl proxy;
    private final JournalDrain drain;
    private final Verifier verifier;
    private final StatusStore store;
    private final CutoverControl control;
    private final ScriptCopy scripts;

    public CutoverStage(MigrationConfig config, ProxyControl proxy, JournalDrain drain, Verifier verifier,
            StatusStore store, CutoverControl control, ScriptCopy scripts) {
        this.scripts = scripts;
        this.config = config;
        this.proxy = proxy;
        this.drain = drain;
        this.verifier = verifier;
        this.store = store;
        this.control = control;
    }

    @Override
    public String name() {
        return "cutover";
    }

    @Override
    public String description() {
        return "move reads to the target batch by batch, each gated by verification and the journal backlog";
    }

    @Override
    public Uni<StageResult> run(StageContext context) {
        List<MigrationConfig.Batch> batches = config.migrate().cutover().batches();
        int from = (int) Checkpoints.number(context.checkpoint().get("batch"));
        return drain.ensureRunning(0)
                .chain(() -> mismatchesFixed(context))
                .chain(blocked -> blocked != null ? Uni.createFrom().item(blocked) : fullPassIfDue(context))
                .chain(blocked -> blocked != null ? Uni.createFrom().item(blocked)
                        : coveringMultiWrite(context).chain(() -> batchesFrom(context, batches, from)));
    }

    /** Keys reported as mismatches (the reason this stage blocked before) are checked again first. */
    private Uni<StageResult> mismatchesFixed(StageContext context) {
        return verifier.recheckMismatches()
                .chain(report -> {
                    if (report.checked > 0) {
                        context.info("keys reported as mismatches checked again: " + report.summary());
                    }
                    return report.mismatched > 0
                            ? backToSource(context, "keys reported as mismatches still differ: " + report.summary())
                            : Uni.createFrom().nullItem();
                });
    }

    /**
     * A possible-loss window, or script runs that may have written undeclared keys, force a full pass before
     * any cutover step (the script counters are read from the proxy first).
     */
    private Uni<StageResult> fullPassIfDue(StageContext context) {
        return scripts.refreshRuns()
                .chain(() -> fullPass(context, FullPassDue.read(store)));
    }

    private Uni<StageResult> fullPass(StageContext context, FullPassDue due) {
        if (!due.due()) {
            return Uni.createFrom().nullItem();
        }
        context.warn("a full verify pass runs before the read cutover: " + due.reason());
        return verifier.scanPass(1.0, report -> context.progress(report.checked, null, "keys verified"))
                .chain(report -> {
                    if (report.mismatched > 0) {
                        return backToSource(context, "full verify (" + due.reason() + "): " + report.summary());
                    }
                    due.markCovered(store);
                    return Uni.createFrom().nullItem();
                });
    }

    /**
     * From the first read cutover on, a client's reply must mean both sides have the write: a mode
     * whose reply covers both sides (changed in place: no restart, no dropped connection).
     */
    private Uni<Void> coveringMultiWrite(StageContext context) {
        Object current = store.read(s -> s.proxy.get("multiWriteMode"));
        boolean covering = current != null ? String.valueOf(current).startsWith("all-resources")
                : config.proxy().multiWriteMode() != MigrationConfig.MultiWriteMode.FIRST_RESOURCE_ONLY;
        if (covering) {
            return Uni.createFrom().voidItem();
        }
        context.info("switching the proxy to multi-write mode all-resources-no-check in place: a reply now covers both sides");
        return proxy.switchMultiWriteMode(MigrationConfig.MultiWriteMode.ALL_RESOURCES_NO_CHECK).replaceWithVoid();
    }

    private Uni<StageResult> batchesFrom(StageContext context, List<MigrationConfig.Batch> batches, int index) {
        if (index >= batches.size()) {
            publish(Map.of("state", "done", "percentage", batches.isEmpty() ? 0 : batches.get(batches.size() - 1).percentage()));
            return Uni.createFrom().item(StageResult.succeeded(batches.size() + " read batches held; reads "
                    + (batches.isEmpty() ? "stay on the source until the write cutover" : "at " + batches.get(batches.size() - 1).percentage() + "% on the target")));
        }
        MigrationConfig.Batch batch = batches.get(index);
        return awaitGoAhead(context, batches, index)
                .chain(() -> index == 0 ? Uni.createFrom().<StageResult>nullItem() : fullPassIfDue(context))
                .call(blocked -> blocked != null ? Uni.createFrom().voidItem() : scripts.loadOntoTarget(context))
                .chain(blocked -> blocked != null ? Uni.createFrom().item(blocked) : runBatch(context, batches, index, batch))
                .chain(result -> result != null ? Uni.createFrom().item(result)
                        : context.saveCheckpoint(Map.of("batch", index + 1))
                                .chain(() -> batchesFrom(context, batches, index + 1)));
    }

    private Uni<Void> awaitGoAhead(StageContext context, List<MigrationConfig.Batch> batches, int index) {
        if (config.migrate().cutover().auto() || index == 0) {
            return Uni.createFrom().voidItem();
        }
        String label = label(batches.get(index), index);
        publish(state(batches, index, "awaiting-advance", null, 0, null));
        context.info("batch " + label + " waits for POST /api/v1/migration/cutover/advance (migrate.cutover.auto is off)");
        var signal = control.await("read batch " + label);
        return Uni.createFrom().completionStage(signal)
                .onCancellation().invoke(() -> control.clear(signal))
                .invoke(() -> context.info("advance received: batch " + label + " starts"));
    }

    /** Null when the batch held; a blocked result (reads back on the source) when its gate closed. */
    private Uni<StageResult> runBatch(StageContext context, List<MigrationConfig.Batch> batches, int index, MigrationConfig.Batch batch) {
        String label = label(batch, index);
        Instant until = Instant.now().plus(batch.duration());
        Gate gate = new Gate(batch);
        return proxy.applyRoute(RouteKind.READ_SPLIT, batch.percentage())
                .invoke(() -> {
                    publish(state(batches, index, "holding", null, 0, until));
                    context.info("batch " + label + ": " + batch.percentage() + "% of reads on the target until " + until);
                    context.metric("cutover_read_percentage", batch.percentage());
                })
                .chain(() -> verifier.scanPass(config.consistency().sampleRate(), report -> { }))
                .invoke(gate::add)
                .chain(() -> Multi.createBy().repeating().uni(() -> tick(context, gate))
                        .until(closed -> closed || Instant.now().isAfter(until) && gate.behindSince == 0 || context.cancelled())
                        .collect().last())
                .chain(() -> {
                    publish(state(batches, index, gate.reason == null ? "held" : "blocked", gate.reason, gate.mismatches, until));
                    if (gate.reason != null) {
                        return backToSource(context, "batch " + label + ": " + gate.reason);
                    }
                    context.progress(index + 1, (long) batches.size(), "read batches");
                    return Uni.createFrom().nullItem();
                });
    }

    /** One check of a holding batch: verify the keys dirtied since the last pass, look at the backlog. */
    private Uni<Boolean> tick(StageContext context, Gate gate) {
        return Uni.createFrom().voidItem().onItem().delayIt().by(config.migrate().cutover().checkEvery())
                .chain(() -> verifier.dirtyPass(report -> { }))
                .invoke(gate::add)
                .chain(() -> Uni.createFrom().item(drain::readHead).runSubscriptionOn(Infrastructure.getDefaultWorkerPool()))
                .map(head -> {
                    context.metric("cutover_mismatches", gate.mismatches);
                    if (gate.mismatches > gate.batch.maxMismatch()) {
                        gate.reason = gate.mismatches + " mismatches (maxMismatch " + gate.batch.maxMismatch() + "), e.g. "
                                + String.join(", ", gate.examples) + "; see mismatches.jsonl";
                    } else if (!drain.running()) {
                        gate.reason = "the journal drain stopped: " + drain.lastError();
                    } else {
                        gate.reason = drainGate(context, gate);
                    }
                    return gate.reason != null;
                });
    }

    /**
     * The backlog part of a batch's gate: a backlog over {@code maxBacklog} that is also old (lag over
     * {@code sync.readyLag}) is waited out for up to {@code drainWait}; null while the drain keeps up
     * or still has time, the reason to block once it had {@code drainWait} and did not catch up.
     */
    private String drainGate(StageContext context, Gate gate) {
        MigrationConfig.Cutover cutover = config.migrate().cutover();
        long lag = drain.lagMillis();
        long now = System.currentTimeMillis();
        if (drain.caughtUp(lag, cutover.maxBacklog())) {
            if (gate.behindSince != 0) {
                context.info("the journal drain caught up after " + (now - gate.behindSince) + " ms (backlog "
                        + drain.backlog() + " records, lag " + lag + " ms): the batch goes on");
                long waited = now - gate.behindSince;
                store.update(s -> {
                    s.cutover.put("state", "holding");
                    s.cutover.remove("waitingForDrainSince");
                    s.cutover.put("lastDrainWaitMs", waited);
                });
                gate.behindSince = 0;
            }
            return null;
        }
        if (gate.behindSince == 0) {
            gate.behindSince = now;
            context.info("the journal drain is behind (" + drain.behind(lag, cutover.maxBacklog()) + "): the batch waits up to "
                    + "migrate.cutover.drainWait " + cutover.drainWait().toMillis() + " ms for it to catch up");
            publish(Map.of("state", "waiting-for-drain", "waitingForDrainSince", Instant.ofEpochMilli(now).toString()));
            return null;
        }
        if (now - gate.behindSince < cutover.drainWait().toMillis()) {
            return null;
        }
        return drainWaitExpired(drain.behind(lag, cutover.maxBacklog()), cutover.drainWait());
    }

    /** The blocked reason when the drain did not catch up in time: what it was, and what to do. */
    static String drainWaitExpired(String behind, java.time.Duration waited) {
        return "the journal drain did not catch up within migrate.cutover.drainWait (" + waited.toMillis() + " ms): " + behind
                + ". The writes come faster than the drain copies them: lower the write load, or raise sync.batch, "
                + "migrate.cutover.maxBacklog or migrate.cutover.drainWait";
    }

    private Uni<StageResult> backToSource(StageContext context, String reason) {
        return proxy.applyRoute(RouteKind.DUAL_WRITE, 0)
                .invoke(() -> {
                    context.metric("cutover_read_percentage", 0);
                    store.update(s -> {
                        s.cutover.put("state", "blocked");
                        s.cutover.put("reason", reason);
                        s.cutover.put("percentage", 0);
                    });
                    context.warn("reads are back on the source: " + reason);
                })
                .replaceWith(StageResult.blocked(reason + "; reads are back on the source. Fix the cause, then "
                        + "POST /api/v1/migration/resume (the batch runs again)"));
    }

    private static final class Gate {
        final MigrationConfig.Batch batch;
        long mismatches;
        final List<String> examples = new java.util.ArrayList<>();
        String reason;
        /** When the drain fell behind (0 while it keeps up): a burst is waited out from then on. */
        long behindSince;

        Gate(MigrationConfig.Batch batch) {
            this.batch = batch;
        }

        void add(Verifier.Report report) {
            mismatches += report.mismatched;
            report.mismatchedKeys.stream().limit(5 - examples.size()).forEach(examples::add);
        }
    }

    private static String label(MigrationConfig.Batch batch, int index) {
        return batch.label().orElse(String.valueOf(index + 1));
    }

    private static Map<String, Object> state(List<MigrationConfig.Batch> batches, int index, String state, String reason,
            long mismatches, Instant holdUntil) {
        MigrationConfig.Batch batch = batches.get(index);
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("batch", label(batch, index));
        map.put("index", index + 1);
        map.put("of", batches.size());
        map.put("percentage", batch.percentage());
        map.put("state", state);
        map.put("reason", reason);
        map.put("mismatches", mismatches);
        map.put("maxMismatch", batch.maxMismatch());
        map.put("holdUntil", holdUntil == null ? null : holdUntil.toString());
        return map;
    }

    private void publish(Map<String, Object> values) {
        store.update(s -> s.cutover.putAll(values));
    }
}
