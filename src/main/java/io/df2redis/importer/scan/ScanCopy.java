package io.df2redis.importer.scan;

import io.df2redis.copy.BatchCheck;

import io.df2redis.copy.ByValueCopy;
import io.df2redis.copy.FailureLog;
import io.df2redis.copy.KeyFailure;
import io.df2redis.copy.KeyReads;
import io.df2redis.copy.KeyRecord;
import io.df2redis.copy.TargetWriter;
import io.df2redis.copy.WriteReport;
import io.df2redis.copy.WriterSession;
import io.df2redis.importer.ImportResult;
import io.df2redis.importer.TooManyFailuresException;
import io.df2redis.migration.engine.StageContext;
import io.df2redis.resp.CursorGuard;
import io.df2redis.resp.KeyScan;
import io.df2redis.resp.LeanConnection;
import io.df2redis.resp.RedisSide;
import io.df2redis.resp.RemoteFailure;
import io.df2redis.resp.ServerInfo;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One attempt of the scan importer. Per source database: SCAN on a dedicated connection, the SCAN of the
 * next batch under way while the current one is copied. Each batch is cut into rounds; {@code concurrency}
 * reader sessions read rounds with pipelined PEXPIRETIME (or PTTL) + DUMP, and {@code concurrency} writer
 * sessions ({@link WriterSession}) restore them. Reads run ahead of writes by up to {@link #READ_AHEAD_BYTES},
 * so that neither server waits on the other's slow moments (memory: that budget plus one round per reader,
 * and two batches of key names). The checkpoint holds the cursor below which every batch is written, so a
 * restart re-copies at most the batches that were in flight. With {@code verify.duringCopy} each written batch
 * is compared with the source ({@link BatchCheck}) before the cursor moves past it: below the cursor, copied
 * and verified.
 */
final class ScanCopy {

    /**
     * Bytes read from the source and not yet written that the copy may hold (plus one round per reader):
     * enough for the target to go on through a big key's DUMP. More is not better where the servers share
     * cores: the source then reads ahead on CPU the slower target needed, and the target restores the
     * last of it alone (64 MB: a second at the end of a 1M-key copy with one core idle).
     */
    static final long READ_AHEAD_BYTES = 16L << 20;
    /** What a key read costs in memory besides its name and payload: its record and list slots. */
    private static final long KEY_OVERHEAD_BYTES = 64;
    private static final int WARNED_FAILURES = 10;

    private final RedisSide source;
    private final TargetWriter writer;
    private final ScanSettings settings;
    private final StageContext context;
    private final FailureLog failureLog;
    private final ScanPosition position;
    /** No checkpoint to resume from: every database is listed from its start in this attempt. */
    private final boolean fromStart;
    private boolean restarted;
    private final Pacer pacer;
    private final Function<List<byte[]>, Uni<Void>> afterScan;
    private final MetaGuard guard;
    private final BatchCheck check;
    /** This attempt's checks of written batches; null when the copy does not verify. */
    private BatchCheck.Batches checks;
    private final ReadAhead readAhead = new ReadAhead(READ_AHEAD_BYTES);
    private long keysScanned;
    private long warned;
    /** The source answers PEXPIRETIME (Redis 7+): expiries are read as absolute times, exactly. */
    private boolean absoluteExpiry;

    ScanCopy(RedisSide source, TargetWriter writer, ScanSettings settings, StageContext context, FailureLog failureLog,
            Function<List<byte[]>, Uni<Void>> afterScan, MetaGuard guard, BatchCheck check) {
        this.afterScan = afterScan;
        this.guard = guard;
        this.check = check;
        this.source = source;
        this.writer = writer;
        this.settings = settings;
        this.context = context;
        this.failureLog = failureLog;
        this.position = ScanPosition.from(context.checkpoint());
        this.fromStart = position.databases.isEmpty() && position.dbIndex == 0 && position.cursor.equals("0");
        // migrate.maxFailures counts the failures of this run: the keys an earlier run failed are not carried
        // over, the import stage copies them again once this copy ends (see CompletenessCheck).
        this.position.failures = 0;
        // Verified during the copy only if every batch behind the cursor was: from the start, or since a start that did.
        this.position.verifiedDuringCopy = check.enabled() && (fromStart || position.verifiedDuringCopy);
        this.pacer = new Pacer(settings.maxKeysPerSecond());
    }

    Uni<ImportResult> run() {
        long started = System.nanoTime();
        SourceDumpCompression compression = new SourceDumpCompression(source, settings.dumpCompression(), context, position);
        return planDatabases()
                .invoke(this::checkClusterDatabases)
                .chain(this::probeAbsoluteExpiry)
                .chain(compression::apply)
                .chain(() -> writer.open()
                        .invoke(this::openChecks)
                        .chain(() -> context.saveCheckpoint(position.toCheckpoint()))
                        .chain(() -> repeat(this::copyNextDatabase))
                        .eventually(this::closeChecks)
                        .eventually(compression::restore))
                .map(done -> finish(started));
    }

    private void openChecks() {
        if (check.enabled()) {
            checks = check.open();
        }
    }

    private Uni<Void> closeChecks() {
        return checks == null ? Uni.createFrom().voidItem() : checks.close();
    }

    private Uni<Void> planDatabases() {
        if (!position.databases.isEmpty() && position.dbIndex >= 0 && position.dbIndex <= position.databases.size()) {
            return Uni.createFrom().voidItem();
        }
        if (!position.databases.isEmpty() || position.dbIndex != 0) {
            // An index past the list cannot come from this importer: the checkpoint is damaged, and where it
            // stopped is unknown. Copying again from the start is harmless (RESTORE ... REPLACE).
            context.warn("the import checkpoint is damaged (database index " + position.dbIndex + " of the databases "
                    + position.databases + "): copying every database again from the start");
            position.restart();
            position.verifiedDuringCopy = check.enabled();
            restarted = true;
        }
        return source.send(Command.INFO, "keyspace")
                .map(reply -> ServerInfo.parse(reply.toString()))
                .invoke(info -> {
                    List<Integer> dbs = settings.onlyDb()
                            .map(db -> new ArrayList<>(List.of(db)))
                            .orElseGet(() -> new ArrayList<>(new TreeMap<>(info.keysPerDb()).keySet()));
                    if (dbs.isEmpty()) {
                        dbs.add(0);
                    }
                    position.databases = dbs;
                    position.expectedKeys = dbs.stream().mapToLong(db -> info.keysPerDb().getOrDefault(db, 0L)).sum();
                })
                .replaceWithVoid();
    }

    private Uni<Void> probeAbsoluteExpiry() {
        return source.send(Request.cmd(Command.PEXPIRETIME).arg("df2redis:probe"), "PEXPIRETIME")
                .invoke(reply -> absoluteExpiry = true)
                .replaceWithVoid()
                .onFailure(failure -> !RemoteFailure.transientFailure(failure)).recoverWithNull();
    }

    private void checkClusterDatabases() {
        if (writer.cluster() && position.databases.size() > 1) {
            throw new IllegalStateException("the source holds keys in databases " + position.databases
                    + " but a Redis Cluster target has only database 0: set source.db to copy one of them");
        }
    }

    /** Copies the current database to its end; true while databases remain. */
    private Uni<Boolean> copyNextDatabase() {
        if (position.dbIndex >= position.databases.size()) {
            return Uni.createFrom().item(false);
        }
        int db = position.databases.get(position.dbIndex);
        context.info((position.cursor.equals("0") ? "copying" : "continuing") + " database " + db
                + (position.cursor.equals("0") ? "" : " from cursor " + position.cursor));
        return source.pipelined(db, KeyScan.MAX_KEY_BYTES)
                .chain(connection -> copyDatabase(connection, db)
                        .eventually(connection::close))
                .chain(() -> {
                    position.dbIndex++;
                    position.cursor = "0";
                    return context.saveCheckpoint(position.toCheckpoint());
                })
                .map(saved -> position.dbIndex < position.databases.size());
    }

    private Uni<Void> copyDatabase(LeanConnection scanConnection, int db) {
        DatabaseScan scan = new DatabaseScan(db, position.cursor, new CursorGuard(source.endpoint(), "SCAN"));
        for (int i = 0; i < settings.concurrency(); i++) {
            scan.readers.add(writer.session());
            scan.writers.add(writer.session());
        }
        return Multi.createBy().repeating()
                .uni(() -> scanAhead(scanConnection, scan))
                .whilst(batch -> !batch.last())
                .onItem().transformToMultiAndConcatenate(batch -> rounds(batch))
                .onItem().transformToUni(round -> readRound(scan, round)).merge(settings.concurrency())
                // The read-ahead budget, not this buffer, bounds what waits here.
                .onOverflow().bufferUnconditionally()
                .onItem().transformToUni(read -> writeRound(scan, read)).merge(settings.concurrency())
                // A round that was not its batch's last yields null, which the merge skips.
                .onItem().transformToUni(batch -> verifyBatch(scan, batch)).merge(settings.concurrency())
                .onItem().transformToUniAndConcatenate(batch -> finishBatch(scan, batch))
                .onItem().ignoreAsUni()
                .eventually(() -> closeSessions(scan));
    }

    private Uni<Void> closeSessions(DatabaseScan scan) {
        List<WriterSession> sessions = new ArrayList<>(scan.readers);
        sessions.addAll(scan.writers);
        return Multi.createFrom().iterable(sessions)
                .onItem().transformToUniAndMerge(WriterSession::close)
                .onItem().ignoreAsUni();
    }

    /**
     * The next batch, with the SCAN for the one after it already sent: a worker that finishes a batch
     * finds the next keys waiting instead of idling for a SCAN round trip. One batch of key names ahead.
     */
    private Uni<ScannedBatch> scanAhead(LeanConnection connection, DatabaseScan scan) {
        Uni<ScannedBatch> next = scan.ahead != null ? scan.ahead : scanBatch(connection, scan).memoize().indefinitely();
        scan.ahead = next
                .chain(batch -> batch.last() ? Uni.createFrom().<ScannedBatch>nothing() : scanBatch(connection, scan))
                .memoize().indefinitely();
        scan.ahead.subscribe().with(batch -> { }, failure -> { }); // started now; a failure reaches whoever takes this batch
        return next;
    }

    /**
     * One SCAN call (paced by the rate limit) on the lean connection, whose reply arrives as the cursor
     * and the keys' bytes; the batch is last when the cursor comes back to 0.
     */
    private Uni<ScannedBatch> scanBatch(LeanConnection connection, DatabaseScan scan) {
        if (context.cancelled()) {
            return Uni.createFrom().failure(new CancellationException("import cancelled"));
        }
        String cursor = scan.cursor;
        return pacer.pace(keysScanned)
                .chain(() -> source.send(connection, KeyScan.leanScan(cursor, settings.scanCount()), "SCAN db" + scan.db))
                .map(replies -> scanned(scan, cursor, replies.elements(0)));
    }

    private ScannedBatch scanned(DatabaseScan scan, String cursor, List<Object> reply) {
        KeyScan.LeanPage page = KeyScan.leanPage(source.endpoint(), reply);
        String next = scan.cursorGuard.check(cursor, page.cursor());
        scan.cursor = next;
        List<byte[]> keys = new ArrayList<>(page.keys().size());
        for (byte[] key : page.keys()) {
            if (!settings.ownKeys().isOwn(key)) {
                keys.add(key);
            }
        }
        keysScanned += keys.size();
        return new ScannedBatch(scan.sequence++, keys, next, "0".equals(next));
    }

    /**
     * A batch in rounds of {@link KeyReads#READ_ROUND} keys; a batch without keys is one empty round, so
     * that its cursor is committed like any other.
     */
    private Multi<Round> rounds(ScannedBatch batch) {
        List<List<byte[]>> keyRounds = batch.keys().isEmpty() ? List.of(List.of()) : KeyReads.rounds(batch.keys());
        BatchProgress progress = new BatchProgress(batch, keyRounds.size());
        return afterScan.apply(batch.keys())
                .onItem().transformToMulti(ready -> Multi.createFrom().iterable(keyRounds))
                .map(keys -> new Round(progress, keys));
    }

    /**
     * Reads one round on an idle reader session once the read-ahead budget allows. Reads run ahead of
     * the writes by up to {@link #READ_AHEAD_BYTES}: the source keeps reading while the target restores
     * (a big key's RESTORE included), and the target keeps restoring while the source DUMPs.
     */
    private Uni<ReadRound> readRound(DatabaseScan scan, Round round) {
        if (round.keys().isEmpty()) {
            return Uni.createFrom().item(new ReadRound(round, new KeyReads.Result(List.of(), List.of(), List.of()), 0));
        }
        return readAhead.admit()
                .chain(() -> {
                    WriterSession session = scan.readers.poll();
                    return KeyReads.read(session, scan.db, round.keys(), absoluteExpiry)
                            .eventually(() -> scan.readers.add(session));
                })
                .map(read -> {
                    long bytes = heldBytes(read);
                    readAhead.hold(bytes);
                    return new ReadRound(round, read, bytes);
                });
    }

    private static long heldBytes(KeyReads.Result read) {
        long bytes = 0;
        for (KeyRecord record : read.records()) {
            bytes += record.key().length + (record.payload() == null ? 0 : record.payload().length) + KEY_OVERHEAD_BYTES;
        }
        return bytes;
    }

    /** Writes one round read before on an idle writer session; the batch when this was its last round, else null. */
    private Uni<BatchProgress> writeRound(DatabaseScan scan, ReadRound round) {
        BatchProgress batch = round.round().batch();
        WriterSession session = scan.writers.poll();
        KeyReads.Result read = round.read();
        return guard.filter(session, scan.db, read.records())
                .invoke(this::reportSkippedNewer)
                .chain(records -> session.write(scan.db, records))
                .invoke(report -> {
                    read.failures().forEach(report::addFailure);
                    batch.report.add(report);
                    batch.gone.addAndGet(read.gone().size());
                })
                .eventually(() -> {
                    scan.writers.add(session);
                    readAhead.release(round.heldBytes());
                })
                .map(written -> batch.roundsLeft.decrementAndGet() == 0 ? batch : null);
    }

    /** Compares a written batch's keys on both sides when the copy verifies ({@code verify.duringCopy}). */
    private Uni<BatchProgress> verifyBatch(DatabaseScan scan, BatchProgress batch) {
        if (checks == null || batch.scanned.keys().isEmpty()) {
            return Uni.createFrom().item(batch);
        }
        return checks.check(scan.db, batch.scanned.keys())
                .invoke(differing -> batch.differing = differing)
                .replaceWith(batch);
    }

    private Uni<Void> finishBatch(DatabaseScan scan, BatchProgress batch) {
        CopiedBatch copied = new CopiedBatch(batch.scanned.sequence(), batch.scanned.nextCursor(), batch.report, batch.gone.get(),
                checks == null ? 0 : batch.scanned.keys().size(), batch.differing);
        return logFailures(copied.report())
                .chain(() -> commit(scan, copied));
    }

    private void reportSkippedNewer() {
        if (guard.skipped() > 0) {
            context.metric("import_skipped_newer_than_t0", guard.skipped());
        }
    }

    private Uni<Void> logFailures(WriteReport report) {
        for (KeyFailure failure : report.failures()) {
            if (warned++ < WARNED_FAILURES) {
                context.warn("key " + ByValueCopy.printable(failure.key()) + " (db " + failure.db() + ") not copied: "
                        + failure.reason() + (warned == WARNED_FAILURES ? " (further failures only in "
                        + failureLog.file() + ")" : ""));
            }
        }
        return failureLog.append(report.failures());
    }

    /**
     * Batches finish out of order; the checkpoint's cursor only moves past a batch once it and every
     * batch before it are written.
     */
    private Uni<Void> commit(DatabaseScan scan, CopiedBatch copied) {
        scan.finished.put(copied.sequence(), copied);
        CopiedBatch next;
        while ((next = scan.finished.remove(scan.nextToCommit)) != null) {
            position.add(next.report(), next.expired());
            position.verified += next.verified();
            position.verifiedDiffering += next.differing();
            position.cursor = next.nextCursor();
            position.batches++;
            scan.nextToCommit++;
            scan.sinceCheckpoint++;
        }
        if (position.failures > settings.maxFailures()) {
            return context.saveCheckpoint(position.toCheckpoint())
                    .invoke(this::report)
                    .chain(() -> Uni.createFrom().failure(new TooManyFailuresException(position.failures
                            + " keys could not be copied, more than migrate.maxFailures (" + settings.maxFailures()
                            + "): see " + failureLog.file() + " (one JSON line per key with the reason), fix the cause and resume:"
                            + " the failed keys are copied again")));
        }
        Uni<Void> saved = Uni.createFrom().voidItem();
        if (scan.sinceCheckpoint >= settings.checkpointEvery()) {
            scan.sinceCheckpoint = 0;
            saved = context.saveCheckpoint(position.toCheckpoint());
        }
        return saved
                .invoke(this::report);
    }

    private void report() {
        long done = position.handled();
        context.progress(done, Math.max(position.expectedKeys, done), "keys");
        context.metric("import_keys_copied", position.copied);
        context.metric("import_bytes", position.bytes);
        context.metric("import_skipped_expired", position.skippedExpired);
        context.metric("import_skipped_existing", position.skippedExisting);
        context.metric("import_big_keys", position.bigKeys);
        context.metric("import_failures", position.failures);
        if (checks != null) {
            context.metric("import_keys_verified", position.verified);
            context.metric("import_keys_verified_differing", position.verifiedDiffering);
        }
        // Full: the target is the slower side; near zero: the source is.
        context.metric("import_read_ahead_bytes", readAhead.held());
        position.fallbacks.forEach((type, n) -> context.metric("import_fallbacks_" + type, n));
    }

    private ImportResult finish(long startedNanos) {
        report();
        context.progress(position.handled(), position.handled(), "keys");
        return new ImportResult(position.copied, position.bytes, position.skippedExpired, position.skippedExisting,
                position.bigKeys, Map.copyOf(position.fallbacks), position.failures, position.databases.size(),
                (System.nanoTime() - startedNanos) / 1e9, fromStart && !restarted);
    }

    private static Uni<Void> repeat(Supplier<Uni<? extends Boolean>> step) {
        return Multi.createBy().repeating()
                .uni(step)
                .whilst(more -> more)
                .onItem().ignoreAsUni();
    }

    /** The walk of one database: the SCAN cursor (ahead of the checkpoint) and the batches in flight. */
    private static final class DatabaseScan {
        final int db;
        final ConcurrentLinkedQueue<WriterSession> readers = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<WriterSession> writers = new ConcurrentLinkedQueue<>();
        final Map<Long, CopiedBatch> finished = new HashMap<>();
        /** The batch after the one last handed out, its SCAN under way. */
        Uni<ScannedBatch> ahead;
        String cursor;
        long sequence;
        long nextToCommit;
        int sinceCheckpoint;
        final CursorGuard cursorGuard;

        DatabaseScan(int db, String cursor, CursorGuard cursorGuard) {
            this.db = db;
            this.cursor = cursor;
            this.cursorGuard = cursorGuard;
        }
    }

    private record ScannedBatch(long sequence, List<byte[]> keys, String nextCursor, boolean last) {
    }

    /** A batch whose rounds are being copied: what they did, and how many are still to be written. */
    private static final class BatchProgress {
        final ScannedBatch scanned;
        final WriteReport report = new WriteReport();
        final AtomicLong gone = new AtomicLong();
        final AtomicInteger roundsLeft;
        /** Keys the check of the written batch found differing. */
        volatile long differing;

        BatchProgress(ScannedBatch scanned, int rounds) {
            this.scanned = scanned;
            this.roundsLeft = new AtomicInteger(rounds);
        }
    }

    private record Round(BatchProgress batch, List<byte[]> keys) {
    }

    private record ReadRound(Round round, KeyReads.Result read, long heldBytes) {
    }

    private record CopiedBatch(long sequence, String nextCursor, WriteReport report, long expired, long verified, long differing) {
    }

}
