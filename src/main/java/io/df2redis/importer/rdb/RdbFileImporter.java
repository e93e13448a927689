package io.df2redis.importer.rdb;

import com.moilioncircle.redis.replicator.RedisReplicator;
import com.moilioncircle.redis.replicator.Replicator;
import com.moilioncircle.redis.replicator.event.PostRdbSyncEvent;
import com.moilioncircle.redis.replicator.rdb.datatype.AuxField;
import com.moilioncircle.redis.replicator.rdb.datatype.ExpiredType;
import com.moilioncircle.redis.replicator.rdb.dump.datatype.DumpKeyValuePair;
import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationPaths;
import io.df2redis.copy.FailureLog;
import io.df2redis.copy.KeyFailure;
import io.df2redis.copy.KeyRecord;
import io.df2redis.copy.TargetWriter;
import io.df2redis.copy.WriteReport;
import io.df2redis.copy.WriterSession;
import io.df2redis.importer.ImportResult;
import io.df2redis.importer.Importer;
import io.df2redis.importer.SnapshotFile;
import io.df2redis.importer.TooManyFailuresException;
import io.df2redis.migration.engine.Checkpoints;
import io.df2redis.migration.engine.StageContext;
import io.df2redis.migration.stage.OwnKeys;
import io.df2redis.resp.RedisEndpoints;
import io.df2redis.resp.ServerInfo;
import io.df2redis.state.StatusStore;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.redis.client.Command;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The embedded {@code rdb} importer: reads the snapshot with redis-replicator, each key as a DUMP
 * payload in the target's RDB version, and writes it through the shared target writer (pipelines,
 * Cluster, by-value fallback, conflict policy).
 *
 * <p>A preflight pass first reads the whole file without writing anything: RDB version, keys per
 * type, and the keys no Redis can load (Dragonfly's types 30-37 and keys with Dragonfly-only attributes,
 * see {@link DragonflyRecords}), listed by name: with {@code migrate.unsupportedTypes: fail} the stage
 * fails there, with {@code skip} the copy leaves them out. The copy pass hands keys to the writer
 * through a bounded queue (memory stays one queue long). The checkpoint holds the position in the file
 * (key records handled, written or left out) below which everything is done; a restart skips that many.
 */
@ApplicationScoped
public class RdbFileImporter implements Importer {

    static final int QUEUE = 4096;
    static final int BATCH = 512;
    private static final int WARNED_FAILURES = 10;

    private final MigrationConfig config;
    private final MigrationPaths paths;
    private final RedisEndpoints redis;
    private final StatusStore store;

    public RdbFileImporter(MigrationConfig config, MigrationPaths paths, RedisEndpoints redis, StatusStore store) {
        this.config = config;
        this.paths = paths;
        this.redis = redis;
        this.store = store;
    }

    @Override
    public String name() {
        return "rdb";
    }

    @Override
    public Uni<ImportResult> run(StageContext context, TargetWriter writer) {
        long started = System.nanoTime();
        long alreadyWritten = Checkpoints.number(context.checkpoint().get("written"));
        // Older checkpoints only counted keys written; every key before them was read too.
        long alreadyRead = context.checkpoint().containsKey("keysRead")
                ? Checkpoints.number(context.checkpoint().get("keysRead")) : alreadyWritten;
        return redis.target().send(Command.INFO, "server")
                .map(reply -> SnapshotFile.rdbVersion(ServerInfo.parse(reply.toString())))
                .chain(version -> Uni.createFrom().item(() -> {
                            Path file = SnapshotFile.resolve(store, config, paths);
                            return preflight(context, file, version);
                        })
                        // Parsing a file: a worker thread.
                        .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                        .chain(preflight -> writer.open().replaceWith(preflight))
                        .chain(preflight -> copy(context, writer, preflight.file(), version, alreadyRead, alreadyWritten, preflight)))
                .map(copied -> new ImportResult(copied.written, copied.bytes, copied.expired, 0, 0, Map.of(), copied.failed,
                        copied.databases, (System.nanoTime() - started) / 1e9, false));
    }

    /** What the preflight found. */
    record Preflight(Path file, String rdbVersion, long keys, Map<Integer, Long> perType, List<String> unsupported) {
    }

    /** Keys named in a message before the list is cut short. */
    static final int NAMED = 20;

    Preflight preflight(StageContext context, Path file, int version) {
        Map<Integer, Long> perType = new TreeMap<>();
        String[] rdbVersion = {"unknown"};
        byte[][] lastKey = {null};
        long[] keys = {0};
        List<String> unsupported = new ArrayList<>();
        Replicator replicator = replicator(file);
        DragonflyRecords visitor = new DragonflyRecords(replicator, version);
        replicator.setRdbVisitor(visitor);
        replicator.addEventListener((rep, event) -> {
            if (event instanceof AuxField aux && "redis-ver".equals(aux.getAuxKey())) {
                rdbVersion[0] = aux.getAuxValue();
            }
            if (event instanceof DumpKeyValuePair pair) {
                perType.merge(pair.getValueRdbType(), 1L, Long::sum);
                lastKey[0] = pair.getKey();
                keys[0]++;
                boolean flagged = visitor.takeFlagged();
                if (DragonflyRecords.unsupported(pair) || flagged) {
                    unsupported.add(describe(pair, flagged));
                }
            }
        });
        try {
            readToTheEnd(replicator, file, () -> keys[0] + " key records read, the last '"
                    + (lastKey[0] == null ? "(none)" : new String(lastKey[0], StandardCharsets.UTF_8)) + "'");
        } catch (TruncatedSnapshotException e) {
            throw e;
        } catch (Exception | AssertionError e) {
            throw new IllegalStateException("the snapshot " + file + " holds a key this importer cannot read"
                    + (lastKey[0] == null ? " (at its start)" : " (right after key '" + new String(lastKey[0], StandardCharsets.UTF_8) + "')")
                    + ": " + e.getMessage() + ". Check that it is a whole RDB file (Dragonfly: saved with SAVE RDB, not its "
                    + "own DF format), or migrate with the scan importer", e);
        } finally {
            close(replicator);
        }
        if (!unsupported.isEmpty() && config.migrate().unsupportedTypes() == MigrationConfig.UnsupportedTypes.FAIL) {
            throw new IllegalStateException("the snapshot " + file + " holds " + unsupported.size() + " keys of types no Redis "
                    + "can load: " + names(unsupported) + "; nothing was written. Remove them from the source, or set "
                    + "migrate.unsupportedTypes: skip to copy everything else");
        }
        if (!unsupported.isEmpty()) {
            context.warn("skipping " + unsupported.size() + " keys of types no Redis can load (migrate.unsupportedTypes: skip): "
                    + names(unsupported));
        }
        Preflight preflight = new Preflight(file, rdbVersion[0], keys[0], perType, List.copyOf(unsupported));
        context.finding("snapshot", Map.of("file", file.toString(), "writtenBy", rdbVersion[0], "keys", keys[0],
                "keysPerRdbType", perType, "unsupportedKeys", preflight.unsupported()));
        context.info("preflight of " + file + ": " + keys[0] + " keys, per RDB type " + perType
                + (unsupported.isEmpty() ? "" : ", " + unsupported.size() + " of types no Redis can load"));
        return preflight;
    }

    private static String describe(DumpKeyValuePair pair, boolean flagged) {
        String name = new String(pair.getKey(), StandardCharsets.UTF_8);
        return name + " (" + (DragonflyRecords.unsupported(pair) ? DragonflyRecords.typeName(pair.getValueRdbType())
                : "with Dragonfly-only attributes: memcached flags or sticky") + ", db " + pair.getDb().getDbNumber() + ")";
    }

    private static String names(List<String> keys) {
        return String.join(", ", keys.subList(0, Math.min(NAMED, keys.size())))
                + (keys.size() > NAMED ? " and " + (keys.size() - NAMED) + " more" : "");
    }

    /** Counts of the copy pass. */
    static final class Copied {
        /** Key records of the file handled (written, or left out: expired, own, unsupported) in file order. */
        long read;
        long written;
        long bytes;
        long expired;
        long failed;
        int databases;
    }

    /** A key to write, and how many key records of the file are handled once it is. */
    private record Item(int db, KeyRecord record, long read, Throwable failure, boolean end) {
    }

    private Uni<Copied> copy(StageContext context, TargetWriter writer, Path file, int version, long alreadyRead,
            long alreadyWritten, Preflight preflight) {
        BlockingQueue<Item> queue = new ArrayBlockingQueue<>(QUEUE);
        Copied copied = new Copied();
        copied.read = alreadyRead;
        copied.written = alreadyWritten;
        if (alreadyRead > 0) {
            context.info("continuing after the first " + alreadyRead + " keys of the snapshot (" + alreadyWritten + " written)");
        }
        OwnKeys own = new OwnKeys(config.consistency());
        FailureLog failures = new FailureLog(paths.stateDir().resolve("failures.jsonl"));
        Thread parser = new Thread(() -> parse(file, version, alreadyRead, own, queue, copied), "df2redis-rdb-reader");
        parser.setDaemon(true);
        parser.start();
        WriterSession session = writer.session();
        return Multi.createBy().repeating()
                .uni(() -> Uni.createFrom().item(() -> take(queue))
                        // Waiting for the parser: a worker thread.
                        .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                        .chain(batch -> write(context, session, batch, copied, preflight, failures)))
                .until(more -> !more)
                .collect().last()
                .eventually(session::close)
                .eventually(failures::close)
                .onCancellation().invoke(parser::interrupt)
                .replaceWith(copied);
    }

    /**
     * Reads the file on its own thread and queues the keys to write. The first {@code skip} key records
     * were handled by an earlier attempt; keys left out (expired, df2redis's own, types no Redis loads)
     * move the position on with the next key queued, or with the end.
     */
    private void parse(Path file, int version, long skip, OwnKeys own, BlockingQueue<Item> queue, Copied copied) {
        long[] seen = {0};
        java.util.Set<Long> databases = new java.util.HashSet<>();
        Replicator replicator = replicator(file);
        DragonflyRecords visitor = new DragonflyRecords(replicator, version);
        replicator.setRdbVisitor(visitor);
        replicator.addEventListener((rep, event) -> {
            if (!(event instanceof DumpKeyValuePair pair)) {
                return;
            }
            boolean flagged = visitor.takeFlagged();
            if (seen[0]++ < skip || flagged || DragonflyRecords.unsupported(pair)
                    || own.isOwn(pair.getKey())) {
                return;
            }
            long expireAt = expiry(pair);
            if (expireAt != KeyRecord.NO_EXPIRY && expireAt <= System.currentTimeMillis()) {
                copied.expired++;
                return;
            }
            databases.add(pair.getDb().getDbNumber());
            put(queue, new Item((int) pair.getDb().getDbNumber(), new KeyRecord(pair.getKey(), pair.getValue(), expireAt, null),
                    seen[0], null, false));
        });
        try {
            readToTheEnd(replicator, file, () -> seen[0] + " key records read");
            copied.databases = databases.size();
            put(queue, new Item(0, null, Math.max(seen[0], skip), null, true));
        } catch (Exception | AssertionError e) {
            put(queue, new Item(0, null, 0, e, true));
        } finally {
            close(replicator);
        }
    }

    private static long expiry(DumpKeyValuePair pair) {
        if (pair.getExpiredType() == null || pair.getExpiredType() == ExpiredType.NONE || pair.getExpiredValue() == null) {
            return KeyRecord.NO_EXPIRY;
        }
        return pair.getExpiredType() == ExpiredType.SECOND ? pair.getExpiredValue() * 1000 : pair.getExpiredValue();
    }

    private static void put(BlockingQueue<Item> queue, Item item) {
        try {
            queue.put(item);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("rdb import cancelled", e);
        }
    }

    /** Up to BATCH items; blocks for the first one. */
    private static List<Item> take(BlockingQueue<Item> queue) {
        List<Item> batch = new ArrayList<>(BATCH);
        try {
            Item first = queue.poll(10, TimeUnit.MINUTES);
            if (first == null) {
                throw new IllegalStateException("the RDB reader produced nothing for 10 minutes");
            }
            batch.add(first);
            if (!first.end()) {
                queue.drainTo(batch, BATCH - 1);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("rdb import cancelled", e);
        }
        return batch;
    }

    /**
     * Writes a batch and checkpoints the position in the file it reached (key records handled) with the
     * count written; false once the end of the file was reached.
     */
    private Uni<Boolean> write(StageContext context, WriterSession session, List<Item> batch, Copied copied, Preflight preflight,
            FailureLog failures) {
        Optional<Item> end = batch.stream().filter(Item::end).findFirst();
        if (end.isPresent() && end.get().failure() != null) {
            return Uni.createFrom().failure(new IllegalStateException("reading the snapshot failed: " + end.get().failure().getMessage(),
                    end.get().failure()));
        }
        Map<Integer, List<KeyRecord>> byDb = new TreeMap<>();
        for (Item item : batch) {
            if (!item.end()) {
                byDb.computeIfAbsent(item.db(), db -> new ArrayList<>()).add(item.record());
            }
        }
        long reached = batch.get(batch.size() - 1).read();
        return Multi.createFrom().iterable(byDb.entrySet())
                .onItem().transformToUniAndConcatenate(entry -> session.write(entry.getKey(), entry.getValue())
                        .invoke(report -> counted(context, copied, report, failures))
                        .call(report -> failures.append(report.failures())))
                .onItem().ignoreAsUni()
                .invoke(() -> copied.read = Math.max(copied.read, reached))
                .chain(() -> context.saveCheckpoint(Map.of("keysRead", copied.read, "written", copied.written)))
                .invoke(() -> context.progress(copied.read, Math.max(preflight.keys(), copied.read), "keys"))
                .chain(() -> tooManyFailures(copied, failures))
                .map(saved -> end.isEmpty());
    }

    /** Counts a written part; the first failures are also warnings, all of them go to failures.jsonl. */
    private void counted(StageContext context, Copied copied, WriteReport report, FailureLog failures) {
        copied.written += report.copied() + report.skippedExisting();
        copied.bytes += report.bytes();
        for (KeyFailure failure : report.failures()) {
            if (++copied.failed <= WARNED_FAILURES) {
                context.warn("key " + new String(failure.key(), StandardCharsets.UTF_8) + " (db " + failure.db() + ") not copied: "
                        + failure.reason() + (copied.failed == WARNED_FAILURES ? " (further failures only in " + failures.file() + ")" : ""));
            }
        }
    }

    private Uni<Void> tooManyFailures(Copied copied, FailureLog failures) {
        if (copied.failed <= config.migrate().maxFailures()) {
            return Uni.createFrom().voidItem();
        }
        return Uni.createFrom().failure(new TooManyFailuresException(copied.failed + " keys could not be copied, more than "
                + "migrate.maxFailures (" + config.migrate().maxFailures() + "): see " + failures.file()
                + " (one JSON line per key with the reason)"));
    }

    /** A snapshot that ends before its end-of-file opcode. */
    static final class TruncatedSnapshotException extends IllegalStateException {
        TruncatedSnapshotException(String message) {
            super(message);
        }
    }

    /**
     * Parses the whole file. redis-replicator's file reader takes a file that ends early for a whole one (it
     * swallows the end of the stream), so the end-of-file opcode must have been seen, or nothing past the cut
     * would be copied and the import would still succeed.
     */
    private static void readToTheEnd(Replicator replicator, Path file, Supplier<String> where)
            throws IOException {
        boolean[] ended = {false};
        replicator.addEventListener((rep, event) -> {
            if (event instanceof PostRdbSyncEvent) {
                ended[0] = true;
            }
        });
        replicator.open();
        if (!ended[0] && !Thread.currentThread().isInterrupted()) {
            throw new TruncatedSnapshotException("the snapshot " + file + " ends before its end-of-file marker (" + where.get()
                    + "): it is cut short. Was it copied whole, or still being written? Nothing past the cut can be copied; "
                    + "take the snapshot again");
        }
    }

    private static Replicator replicator(Path file) {
        try {
            return new RedisReplicator("redis://" + file.toAbsolutePath());
        } catch (Exception e) {
            throw new IllegalStateException("cannot open the snapshot " + file + ": " + e.getMessage(), e);
        }
    }

    private static void close(Replicator replicator) {
        try {
            replicator.close();
        } catch (Exception ignored) {
            // closing a finished file replicator
        }
    }
}
