package io.df2redis.migration.journal;

import io.df2redis.proxy.JournalApplied;
import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationPaths;
import io.df2redis.contract.cluster.HashSlot;
import io.df2redis.copy.KeyReads;
import io.df2redis.copy.TargetWriter;
import io.df2redis.copy.WriterSession;
import io.df2redis.copy.WriterSettings;
import io.df2redis.migration.engine.Orientation;
import io.df2redis.migration.engine.Orientation.Direction;
import io.df2redis.state.EventHub;
import io.df2redis.resp.RedisSide;
import io.df2redis.state.StatusStore;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeoutException;

/**
 * The journal drain, phase 6 of the migration model, running in the background from the sync stage
 * until the cleanup (or a rollback) stops it. One loop, one batch at a time: read the journal after
 * the applied sequence (only intents the primary has answered), read those keys from the
 * authoritative side ({@code DUMP}+{@code PTTL}, or gone) and write them to the other side
 * ({@code RESTORE ... REPLACE}, or {@code DEL}); then persist the applied sequence and delete
 * segments that are applied and verified.
 *
 * <p>The direction is a setting, not a second code path: its {@link Orientation} says which side it reads
 * (the source before the write cutover, the target after it) and which it writes.
 * Repairs requested by verification go through the same loop, so a repair and a drain of the same key
 * never race: the later read of the authoritative side always writes last (invariant I2/I3).
 */
@ApplicationScoped
public class JournalDrain {

    private static final Duration IDLE_POLL = Duration.ofMillis(20);
    private static final Duration EAGER_POLL = Duration.ofMillis(2);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
    private static final int REPAIR_BATCH = 500;
    /** How often the sync stage and the cutover look at the lag while they wait. */
    private static final Duration LOOK_EVERY = Duration.ofMillis(200);
    /** How often a sync stage that is not caught up yet says how far behind it is. */
    private static final Duration LAG_REPORT_EVERY = Duration.ofSeconds(5);

    private final MigrationConfig config;
    private final MigrationPaths paths;
    private final io.df2redis.resp.RedisEndpoints redis;
    private final StatusStore store;
    private final EventHub events;
    private final JournalReader reader;
    private final ConcurrentLinkedQueue<Repair> repairs = new ConcurrentLinkedQueue<>();
    private final List<Waiter> waiters = new ArrayList<>();

    private volatile boolean running;
    private volatile long applied;
    /**
     * The applied sequence the status file holds on disk. A batch's position is written to disk at most every
     * {@link #DURABLE_EVERY}, not once per batch: a restart applies the records since again, which is harmless
     * (the drain copies each key's current value), and only segments behind this position are deleted.
     */
    private volatile long durableApplied;
    private long lastDurableMillis;
    private static final Duration DURABLE_EVERY = Duration.ofMillis(100);
    private volatile long head;
    private volatile Orientation orientation;
    private volatile String lastError;
    /** Time of the first journal intent not applied, as of the last read of the journal; 0 when none. */
    private volatile long pendingMillis;
    /** Whether the journal was read since the loop started: before that the lag is unknown. */
    private volatile boolean lagKnown;
    private Cancellable loop;
    private CompletableFuture<Void> stopped = CompletableFuture.completedFuture(null);
    private Sides sides;
    private long keysCopied;
    private long keysDeleted;
    private long consecutiveFailures;
    private long rateMark;
    private long rateKeys;

    /** Null where the drain is built without CDI (tests): nobody listens there. */
    @jakarta.inject.Inject
    jakarta.enterprise.event.Event<JournalApplied> appliedEvents;

    public JournalDrain(MigrationConfig config, MigrationPaths paths, io.df2redis.resp.RedisEndpoints redis,
            StatusStore store, EventHub events) {
        this.config = config;
        this.paths = paths;
        this.redis = redis;
        this.store = store;
        this.events = events;
        this.reader = new JournalReader(paths.walDir());
    }

    /** A key to copy again from the authoritative side, and who waits for it. */
    private record Repair(int db, byte[] key, CompletableFuture<Void> done) {
    }

    private record Waiter(long seq, CompletableFuture<Long> done) {
    }

    /** The reading and writing sessions of one direction. */
    private record Sides(Orientation orientation, TargetWriter writer, WriterSession session, List<RedisSide> clients) {
    }

    public boolean running() {
        return running;
    }

    public long applied() {
        return applied;
    }

    public Direction direction() {
        return orientation().direction();
    }

    /** Which side the drain reads and which it writes, as of now. */
    public Orientation orientation() {
        Orientation current = orientation;
        return current != null ? current : Orientation.of(Direction.FORWARD, config);
    }

    /** Journal records not applied yet, as of the last look at the journal. */
    public long backlog() {
        return Math.max(0, head - applied);
    }

    public String lastError() {
        return lastError;
    }

    /**
     * The drain's lag: the age of the oldest journal intent it has not applied (an intent still waiting
     * for its reply counts from when it was written), 0 when it has applied everything; -1 while the
     * loop is not running or has not read the journal yet. Between two reads it is the age of the batch
     * being copied, so a slow or failing copy shows as a growing lag.
     */
    public long lagMillis() {
        if (!running || !lagKnown) {
            return -1;
        }
        long pending = pendingMillis;
        return pending == 0 ? 0 : Math.max(0, System.currentTimeMillis() - pending);
    }

    /**
     * Starts the loop unless it runs, from the persisted applied sequence (or {@code fallbackApplied},
     * the sync stage's checkpoint of an older run) in the persisted direction.
     */
    public synchronized Uni<Void> ensureRunning(long fallbackApplied) {
        if (running) {
            return Uni.createFrom().voidItem();
        }
        Map<String, Object> persisted = store.read(s -> new LinkedHashMap<>(s.drain));
        applied = Math.max(fallbackApplied, number(persisted.get("applied")));
        durableApplied = applied;
        orientation = Orientation.of(Direction.persisted(persisted.get("direction")), config);
        lagKnown = false;
        pendingMillis = 0;
        running = true;
        if (appliedEvents != null) {
            appliedEvents.fire(new JournalApplied(applied));
        }
        stopped = new CompletableFuture<>();
        CompletableFuture<Void> whenStopped = stopped;
        publish("running");
        events.emit("sync.drain", "sync", "journal drain running (" + direction().json() + ": reads the "
                + authoritative() + ", writes the " + other() + ") from sequence " + applied);
        loop = Multi.createBy().repeating().uni(this::step)
                .whilst(more -> running)
                .onCompletion().invoke(() -> closeSides())
                .onTermination().invoke(() -> whenStopped.complete(null))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .subscribe().with(ignored -> { }, failure -> {
                    running = false;
                    lastError = failure.getMessage();
                    publish("stopped: " + failure.getMessage());
                    events.emit("sync.drain.stopped", "sync", "journal drain stopped: " + failure.getMessage());
                    whenStopped.complete(null);
                });
        return Uni.createFrom().voidItem();
    }

    /** Stops the loop after its current batch; completes once it stopped. */
    public Uni<Void> stop() {
        CompletableFuture<Void> done;
        synchronized (this) {
            if (!running) {
                return Uni.createFrom().voidItem();
            }
            running = false;
            done = stopped;
        }
        return Uni.createFrom().completionStage(done)
                .ifNoItem().after(config.engine().remoteTimeout().multipliedBy(4)).recoverWithItem(() -> {
                    synchronized (this) {
                        if (loop != null) {
                            loop.cancel();
                        }
                    }
                    closeSides();
                    return null;
                })
                .invoke(() -> publish("stopped"))
                .call(() -> Uni.createFrom().completionStage(store::durable));
    }

    /**
     * Switches the side the drain reads. Called with writes fenced and the journal drained, at the
     * write flip (and its reverse); persisted before it is used.
     */
    public Uni<Void> switchDirection(Direction next) {
        return switchDirectionInMemory(next)
                .chain(() -> Uni.createFrom().completionStage(store::durable))
                .replaceWithVoid();
    }

    /**
     * The direction changed for the drain and in the status, which is not flushed to disk here: for the
     * fenced flip, whose own record of the flip under way settles a restart in between.
     */
    public Uni<Void> switchDirectionInMemory(Direction next) {
        return Uni.createFrom().item(() -> {
                    synchronized (this) {
                        orientation = Orientation.of(next, config);
                        closeSides();
                        store.update(s -> s.drain.put("direction", next.json()));
                    }
                    return null;
                })
                .invoke(() -> events.emit("sync.direction", null, "journal drain now reads the " + authoritative()
                        + " and writes the " + other()))
                .replaceWithVoid();
    }

    /** Completes with the applied sequence once it reached {@code seq}; fails after {@code timeout}. */
    public Uni<Long> awaitApplied(long seq, Duration timeout) {
        CompletableFuture<Long> done = new CompletableFuture<>();
        synchronized (waiters) {
            if (applied >= seq) {
                return Uni.createFrom().item(applied);
            }
            waiters.add(new Waiter(seq, done));
        }
        return Uni.createFrom().completionStage(done)
                .ifNoItem().after(timeout).failWith(() -> new TimeoutException("the journal drain did not reach sequence "
                        + seq + " within " + timeout + " (applied " + applied + (lastError == null ? "" : "; last error: " + lastError) + ")"));
    }

    /**
     * Completes with the applied sequence once the lag stayed at most {@code sync.readyLag} for
     * {@code sync.readyFor}, reporting progress and the lag meanwhile; fails when the drain stops or
     * the stage is cancelled. The backlog's record count does not matter here: at a high write rate
     * thousands of records are a few milliseconds of writes.
     */
    public Uni<Long> caughtUp(io.df2redis.migration.engine.StageContext context) {
        long[] lowSince = {0};
        long[] lastReport = {0};
        return Multi.createBy().repeating().uni(() -> lookAtLag(context, lowSince, lastReport))
                .until(ready -> ready)
                .collect().last()
                .map(ready -> applied);
    }

    private Uni<Boolean> lookAtLag(io.df2redis.migration.engine.StageContext context, long[] lowSince, long[] lastReport) {
        return headWhileRunning(context)
                .map(current -> {
                    context.progress(applied, current, "journal records");
                    long lag = lagMillis();
                    long now = System.currentTimeMillis();
                    publishLag(lag);
                    long readyLag = config.sync().readyLag().toMillis();
                    if (lag < 0 || lag > readyLag) {
                        lowSince[0] = 0;
                        if (now - lastReport[0] >= LAG_REPORT_EVERY.toMillis()) {
                            lastReport[0] = now;
                            reportLag(lag, readyLag);
                        }
                        return false;
                    }
                    if (lowSince[0] == 0) {
                        lowSince[0] = now;
                    }
                    return now - lowSince[0] >= config.sync().readyFor().toMillis();
                })
                .chain(ready -> ready ? Uni.createFrom().item(true)
                        : Uni.createFrom().item(false).onItem().delayIt().by(LOOK_EVERY));
    }

    private void reportLag(long lag, long readyLag) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("lagMs", lag);
        data.put("backlogRecords", backlog());
        data.put("readyLagMs", readyLag);
        events.emit("sync.lag", "sync", (lag < 0 ? "journal drain starting" : "journal drain lag " + lag + " ms")
                + " (backlog " + backlog() + " records); ready once the lag stays at most " + readyLag
                + " ms for " + config.sync().readyFor().toMillis() + " ms", data);
    }

    /**
     * Waits until the drain has caught up, for a read batch or before the write cutover fences:
     * the lag at most {@code sync.readyLag}, or (when {@code maxBacklog} is 0 or more) the backlog at
     * most {@code maxBacklog} records. Completes with null once it has, or with what is wrong after
     * {@code within} (the caller blocks with it); fails when the drain stopped or the stage is cancelled.
     */
    public Uni<String> awaitCaughtUp(io.df2redis.migration.engine.StageContext context, long maxBacklog, Duration within) {
        long until = System.currentTimeMillis() + within.toMillis();
        return Multi.createBy().repeating().uni(() -> lookUntil(context, maxBacklog, until))
                // whilst, not until: the look that ends the wait is the item wanted
                .whilst(look -> !look.done())
                .collect().last()
                .map(Look::behind);
    }

    /** The journal's head, read off the event loop; a failure once the stage is cancelled or the drain stopped. */
    private Uni<Long> headWhileRunning(io.df2redis.migration.engine.StageContext context) {
        if (context.cancelled()) {
            return Uni.createFrom().failure(new java.util.concurrent.CancellationException(context.stage() + " cancelled"));
        }
        if (!running) {
            return Uni.createFrom().failure(new IllegalStateException("the journal drain stopped: " + lastError));
        }
        return Uni.createFrom().item(this::readHead)
                // Journal files: off the event loop.
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    /** One look while waiting for the drain: done once it caught up (behind null) or time is up (behind says how far). */
    private record Look(boolean done, String behind) {
    }

    private Uni<Look> lookUntil(io.df2redis.migration.engine.StageContext context, long maxBacklog, long until) {
        return headWhileRunning(context)
                .map(head -> {
                    long lag = lagMillis();
                    publishLag(lag);
                    if (caughtUp(lag, maxBacklog)) {
                        return new Look(true, null);
                    }
                    return System.currentTimeMillis() >= until ? new Look(true, behind(lag, maxBacklog)) : new Look(false, null);
                })
                .chain(look -> look.done() ? Uni.createFrom().item(look)
                        : Uni.createFrom().item(look).onItem().delayIt().by(LOOK_EVERY));
    }

    /** Whether the drain keeps up: its lag within {@code sync.readyLag}, or its backlog within {@code maxBacklog} (when 0 or more). */
    public boolean caughtUp(long lag, long maxBacklog) {
        return lag >= 0 && lag <= config.sync().readyLag().toMillis() || maxBacklog >= 0 && backlog() <= maxBacklog;
    }

    /** How far behind the drain is, for a blocked stage's message. */
    public String behind(long lag, long maxBacklog) {
        return "journal backlog " + backlog() + " records"
                + (maxBacklog >= 0 ? " (migrate.cutover.maxBacklog " + maxBacklog + ")" : "")
                + ", lag " + (lag < 0 ? "unknown" : lag + " ms") + " (sync.readyLag " + config.sync().readyLag().toMillis() + " ms)"
                + (lastError == null ? "" : "; last drain error: " + lastError);
    }

    private void publishLag(long lag) {
        store.update(s -> {
            s.drain.put("lagMs", lag);
            s.drain.put("backlog", backlog());
            if (lag >= 0) {
                s.metrics.put("sync_lag_ms", (double) lag);
            }
            s.metrics.put("sync_backlog_records", (double) backlog());
        });
    }

    /** The journal's head now (blocking file read: call off the event loop). */
    public long readHead() {
        try {
            head = Math.max(head, reader.head());
        } catch (IOException e) {
            lastError = "cannot read the journal head: " + e.getMessage();
        }
        return head;
    }

    /** Copies these keys again from the authoritative side, through the loop; completes once written. */
    public Uni<Void> repair(int db, List<byte[]> keys) {
        if (!running) {
            return Uni.createFrom().failure(new IllegalStateException("the journal drain is not running: nothing can repair"));
        }
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (byte[] key : keys) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            repairs.add(new Repair(db, key, done));
            all.add(done);
        }
        return Uni.createFrom().completionStage(CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)))
                .ifNoItem().after(config.verify().recheckTimeout())
                .failWith(() -> new TimeoutException("repairs not written within " + config.verify().recheckTimeout()));
    }

    /** The side the drain reads now. */
    public String authoritative() {
        return orientation().authoritative();
    }

    public String other() {
        return orientation().other();
    }

    /** Marks the journal verified through {@code seq}: segments up to there may be deleted once applied. */
    public void verifiedThrough(long seq) {
        store.update(s -> s.drain.put("verifiedThrough", Math.max(seq, number(s.drain.get("verifiedThrough")))));
    }

    public long verifiedThrough() {
        return store.read(s -> number(s.drain.get("verifiedThrough")));
    }

    // ---- the loop ----

    private Uni<Boolean> step() {
        return sides()
                .chain(current -> repairs.isEmpty() ? drainBatch(current) : repairBatch(current))
                .invoke(worked -> {
                    if (consecutiveFailures > 0) {
                        events.emit("sync.recovered", "sync", "journal drain going again after " + consecutiveFailures + " failed tries");
                        publish("running");
                    }
                    consecutiveFailures = 0;
                    lastError = null;
                })
                .chain(worked -> worked ? Uni.createFrom().item(true)
                        : Uni.createFrom().item(true).onItem().delayIt().by(hasWaiters() ? EAGER_POLL : IDLE_POLL))
                .onFailure().recoverWithUni(this::backOff);
    }

    private Uni<Boolean> backOff(Throwable failure) {
        consecutiveFailures++;
        lastError = failure.getMessage();
        closeSides();
        long millis = Math.min(MAX_BACKOFF.toMillis(), 200L << Math.min(6, consecutiveFailures - 1));
        publish("retrying: " + failure.getMessage());
        if (consecutiveFailures == 1 || consecutiveFailures % 10 == 0) {
            events.emit("sync.retrying", "sync", "journal drain failed (try " + consecutiveFailures + ", next in "
                    + millis + " ms): " + failure.getMessage());
        }
        return Uni.createFrom().item(true).onItem().delayIt().by(Duration.ofMillis(millis));
    }

    private boolean hasWaiters() {
        synchronized (waiters) {
            return !waiters.isEmpty();
        }
    }

    private Uni<Boolean> drainBatch(Sides current) {
        return Uni.createFrom().item(this::readBatch)
                // Journal files: off the event loop.
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .chain(batch -> batch.lastSeq() == applied ? idle()
                        : copy(current, batch.keys())
                                .chain(() -> persistApplied(batch))
                                .replaceWith(true));
    }

    private JournalReader.Batch readBatch() {
        try {
            head = Math.max(head, reader.head());
            long settled = store.read(s -> number(s.proxy.get("journalHeadAtStart")));
            JournalReader.Batch batch = reader.next(applied, config.sync().batch(), config.sync().commitGrace().toMillis(),
                    System.currentTimeMillis(), settled);
            pendingMillis = batch.pendingMillis();
            lagKnown = true;
            return batch;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read the journal in " + paths.walDir() + ": " + e.getMessage(), e);
        }
    }

    private Uni<Boolean> idle() {
        metrics();
        return Uni.createFrom().item(false);
    }

    private Uni<Boolean> repairBatch(Sides current) {
        List<Repair> taken = new ArrayList<>();
        for (Iterator<Repair> it = repairs.iterator(); it.hasNext() && taken.size() < REPAIR_BATCH; ) {
            taken.add(it.next());
            it.remove();
        }
        List<JournalReader.DirtyKey> keys = taken.stream().map(r -> new JournalReader.DirtyKey(r.db(), r.key())).toList();
        return copy(current, keys)
                .invoke(() -> taken.forEach(r -> r.done().complete(null)))
                .onFailure().invoke(failure -> taken.forEach(r -> r.done().completeExceptionally(failure)))
                .replaceWith(true);
    }

    private Uni<Void> copy(Sides current, List<JournalReader.DirtyKey> keys) {
        Map<Integer, List<byte[]>> byDb = new TreeMap<>();
        keys.forEach(k -> byDb.computeIfAbsent(k.db(), db -> new ArrayList<>()).add(k.key()));
        return Multi.createFrom().iterable(byDb.entrySet())
                .onItem().transformToUniAndConcatenate(entry -> copyDb(current, entry.getKey(), entry.getValue()))
                .onItem().ignoreAsUni();
    }

    private Uni<Void> copyDb(Sides current, int db, List<byte[]> keys) {
        return readAuthoritative(current, db, keys)
                .chain(read -> current.session().write(db, read.records())
                        .invoke(() -> keysCopied += read.records().size())
                        .chain(() -> deleteGone(current, db, read.gone())));
    }

    /**
     * Reads the authoritative side. A cluster is read slot by slot (a pipelined read of one slot goes
     * to one node); a standalone side in rounds.
     */
    private Uni<KeyReads.Result> readAuthoritative(Sides current, int db, List<byte[]> keys) {
        if (!current.orientation().authoritativeIsCluster()) {
            return KeyReads.read(current.session(), db, keys, false);
        }
        Map<Integer, List<byte[]>> bySlot = new TreeMap<>();
        keys.forEach(k -> bySlot.computeIfAbsent(HashSlot.of(k), s -> new ArrayList<>()).add(k));
        KeyReads.Result all = new KeyReads.Result(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        return Multi.createFrom().iterable(bySlot.values())
                .onItem().transformToUniAndConcatenate(slotKeys -> KeyReads.read(current.session(), db, slotKeys, false)
                        .invoke(read -> {
                            all.records().addAll(read.records());
                            all.gone().addAll(read.gone());
                            all.failures().addAll(read.failures());
                        }))
                .onItem().ignoreAsUni()
                .replaceWith(all);
    }

    private Uni<Void> deleteGone(Sides current, int db, List<byte[]> gone) {
        return Multi.createFrom().iterable(gone)
                .onItem().transformToUniAndConcatenate(key -> current.session().targetCall(db, HashSlot.of(key),
                        Request.cmd(Command.DEL).arg(key), "DEL"))
                .onItem().ignoreAsUni()
                .invoke(() -> keysDeleted += gone.size());
    }

    private Uni<Void> persistApplied(JournalReader.Batch batch) {
        store.update(s -> {
            s.drain.put("applied", batch.lastSeq());
            s.drain.put("direction", direction().json());
        });
        applied = batch.lastSeq();
        if (appliedEvents != null) {
            appliedEvents.fire(new JournalApplied(applied));
        }
        releaseWaiters();
        metrics();
        long now = System.currentTimeMillis();
        if (now - lastDurableMillis < DURABLE_EVERY.toMillis()) {
            return Uni.createFrom().voidItem();
        }
        lastDurableMillis = now;
        long persisting = applied;
        return Uni.createFrom().completionStage(store::durable)
                .invoke(() -> durableApplied = persisting)
                .chain(() -> Uni.createFrom().item(this::prune)
                        .runSubscriptionOn(Infrastructure.getDefaultWorkerPool()))
                .replaceWithVoid();
    }

    private void releaseWaiters() {
        synchronized (waiters) {
            waiters.removeIf(w -> {
                if (applied >= w.seq()) {
                    w.done().complete(applied);
                    return true;
                }
                return false;
            });
        }
    }

    private int prune() {
        long verified = verifiedThrough();
        try {
            return reader.deleteApplied(Math.min(durableApplied, verified));
        } catch (IOException e) {
            events.emit("sync.warning", "sync", "cannot delete applied journal segments: " + e.getMessage());
            return 0;
        }
    }

    private void metrics() {
        long lagMillis = lagMillis();
        long now = System.currentTimeMillis();
        double rate = Double.NaN;
        if (rateMark == 0) {
            rateMark = now;
            rateKeys = keysCopied;
        } else if (now - rateMark >= 1000) {
            rate = (keysCopied - rateKeys) * 1000.0 / (now - rateMark);
            rateMark = now;
            rateKeys = keysCopied;
        }
        double keysPerSecond = rate;
        store.update(s -> {
            s.metrics.put("sync_applied_seq", (double) applied);
            s.metrics.put("sync_head_seq", (double) head);
            s.metrics.put("sync_backlog_records", (double) backlog());
            s.metrics.put("sync_lag_ms", (double) Math.max(0, lagMillis));
            s.drain.put("lagMs", lagMillis);
            s.metrics.put("sync_keys_copied", (double) keysCopied);
            s.metrics.put("sync_keys_deleted", (double) keysDeleted);
            if (!Double.isNaN(keysPerSecond)) {
                s.metrics.put("sync_keys_per_second", keysPerSecond);
            }
        });
    }

    private void publish(String state) {
        store.update(s -> {
            s.drain.put("state", state);
            s.drain.put("direction", direction().json());
            s.drain.put("applied", applied);
        });
    }

    // ---- sides ----

    private synchronized Uni<Sides> sides() {
        Orientation now = orientation();
        if (sides != null && sides.orientation().equals(now)) {
            return Uni.createFrom().item(sides);
        }
        closeSides();
        Sides next = open(now);
        return next.writer().open()
                .invoke(() -> {
                    synchronized (this) {
                        sides = next;
                    }
                })
                .onFailure().invoke(() -> next.clients().forEach(RedisSide::close))
                .replaceWith(next);
    }

    private Sides open(Orientation which) {
        WriterSettings base = WriterSettings.from(config).withConflictPolicy(MigrationConfig.ConflictPolicy.REPLACE);
        RedisSide source = redis.source().withPoolSize(4);
        RedisSide target = redis.target().withPoolSize(4);
        TargetWriter writer = which.writer(redis, source, target, base);
        return new Sides(which, writer, writer.session(), List.of(source, target));
    }

    private synchronized void closeSides() {
        Sides current = sides;
        sides = null;
        if (current != null) {
            current.session().close().subscribe().with(ok -> current.clients().forEach(RedisSide::close),
                    failure -> current.clients().forEach(RedisSide::close));
        }
    }

    void onShutdown(@Observes ShutdownEvent event) {
        running = false;
        synchronized (this) {
            if (loop != null) {
                loop.cancel();
            }
        }
        closeSides();
    }

    static long number(Object value) {
        if (value instanceof Number n) {
            return n.longValue();
        }
        if (value instanceof String text && !text.isBlank()) {
            return Long.parseLong(text.trim());
        }
        return 0;
    }
}
