package io.df2redis.importer;

import io.df2redis.contract.cluster.HashSlot;
import io.df2redis.copy.FailureLog;
import io.df2redis.copy.KeyFailure;
import io.df2redis.copy.KeyReads;
import io.df2redis.copy.TargetWriter;
import io.df2redis.copy.WriterSession;
import io.df2redis.migration.engine.StageContext;
import io.df2redis.migration.stage.OwnKeys;
import io.df2redis.resp.KeyScan;
import io.df2redis.resp.RedisSide;
import io.df2redis.resp.ServerInfo;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.stream.Collectors;

/**
 * The end of every import: proves that the target holds every key the source holds, database by
 * database, instead of trusting the importer's counts or its checkpoint. Keys the target lacks (a key that
 * failed in this run or an earlier one, a database a damaged checkpoint skipped) are copied again; what
 * still cannot be copied is missing, listed in {@code failures.jsonl} with the reason.
 *
 * <p>Why a walk of the source and not a comparison of key counts: the source is live (writes, deletes and
 * expiries go on during the copy, and the proxy mirrors them), and the target may hold keys of its own
 * ({@code targetNonEmpty: allow}) and df2redis's meta keys, so counts differ both ways without a key being
 * missing, or agree while keys are. Here a key counts only if the source holds it when its page is
 * listed (SCAN leaves out expired keys) and the target lacks it; a key that expires or is deleted before
 * it is copied again is gone, not missing, and a key written to the target meanwhile is found there. The
 * cost is one SCAN of the source and one {@code EXISTS} per page (per slot on a cluster) on the target;
 * memory is one page.
 */
final class CompletenessCheck {

    static final int PAGE = 500;
    /** Single-key lookups sent at once when a page is partly absent. */
    private static final int LOOKUPS_IN_FLIGHT = 16;
    /** The types every Redis target loads. */
    private static final java.util.Set<String> REDIS_TYPES = java.util.Set.of("string", "list", "set", "zset", "hash", "stream");

    private final RedisSide source;
    private final TargetWriter writer;
    private final OwnKeys ownKeys;
    private final Optional<Integer> onlyDb;
    private final FailureLog failureLog;
    private final StageContext context;
    private final Map<Integer, DbCount> counts = new TreeMap<>();
    private final boolean skipUnsupportedTypes;
    private long checked;

    CompletenessCheck(RedisSide source, TargetWriter writer, OwnKeys ownKeys, Optional<Integer> onlyDb,
            boolean skipUnsupportedTypes, FailureLog failureLog, StageContext context) {
        this.skipUnsupportedTypes = skipUnsupportedTypes;
        this.source = source;
        this.writer = writer;
        this.ownKeys = ownKeys;
        this.onlyDb = onlyDb;
        this.failureLog = failureLog;
        this.context = context;
    }

    /** What one database held: keys seen on the source, gone before a second copy, copied again, still missing. */
    static final class DbCount {
        long seen;
        long gone;
        long copiedAgain;
        long missing;
        long leftOut;

        /** Keys the source held and the target should hold. */
        long expected() {
            return seen - gone - leftOut;
        }
    }

    /** The outcome, per database. */
    record Outcome(Map<Integer, DbCount> perDb) {

        long missing() {
            return perDb.values().stream().mapToLong(c -> c.missing).sum();
        }

        long copiedAgain() {
            return perDb.values().stream().mapToLong(c -> c.copiedAgain).sum();
        }

        long expected() {
            return perDb.values().stream().mapToLong(DbCount::expected).sum();
        }

        /** The databases with keys missing, e.g. {@code db 3: expected 20001, found 18874}. */
        String gaps() {
            return perDb.entrySet().stream()
                    .filter(e -> e.getValue().missing > 0)
                    .map(e -> "db " + e.getKey() + ": expected " + e.getValue().expected() + ", found "
                            + (e.getValue().expected() - e.getValue().missing))
                    .collect(Collectors.joining("; "));
        }

        String summary() {
            return "the target holds " + (expected() - missing()) + " of the " + expected() + " keys the source holds in "
                    + perDb.size() + " database(s)" + (copiedAgain() > 0 ? " (" + copiedAgain() + " copied again)" : "");
        }
    }

    Uni<Outcome> run() {
        context.info("checking that the target holds every key the source holds");
        WriterSession session = writer.session();
        return databases()
                .chain(dbs -> Multi.createFrom().iterable(dbs)
                        .onItem().transformToUniAndConcatenate(db -> checkDatabase(session, db))
                        .onItem().ignoreAsUni())
                .eventually(session::close)
                .map(done -> new Outcome(counts));
    }

    private Uni<List<Integer>> databases() {
        if (onlyDb.isPresent()) {
            return Uni.createFrom().item(List.of(onlyDb.get()));
        }
        return source.send(Command.INFO, "keyspace")
                .map(reply -> List.copyOf(new TreeMap<>(ServerInfo.parse(reply.toString()).keysPerDb()).keySet()));
    }

    private Uni<Void> checkDatabase(WriterSession session, int db) {
        DbCount count = counts.computeIfAbsent(db, d -> new DbCount());
        return KeyScan.pages(source, db, null, PAGE, (connection, page) -> checkPage(session, db, page, count));
    }

    private Uni<Void> checkPage(WriterSession session, int db, List<byte[]> page, DbCount count) {
        if (context.cancelled()) {
            return Uni.createFrom().failure(new CancellationException("import cancelled"));
        }
        List<byte[]> keys = page.stream().filter(key -> !ownKeys.isOwn(key)).toList();
        count.seen += keys.size();
        context.metric("import_keys_checked", checked += keys.size());
        if (keys.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return absent(session, db, keys)
                .chain(absent -> absent.isEmpty() ? Uni.createFrom().voidItem() : copyAgain(session, db, absent, count));
    }

    /**
     * Copies the keys the target lacks again, as the source holds them now. A key the copy fails is looked
     * up on the target once more (a mirrored write may have created it meanwhile): only a key still absent
     * is missing.
     */
    private Uni<Void> copyAgain(WriterSession session, int db, List<byte[]> absent, DbCount count) {
        return KeyReads.read(session, db, absent, false)
                .chain(read -> session.write(db, read.records())
                        .chain(report -> {
                            count.gone += read.gone().size() + report.skippedGone();
                            count.copiedAgain += report.copied();
                            List<KeyFailure> failures = new ArrayList<>(read.failures());
                            failures.addAll(report.failures());
                            return stillAbsent(session, db, failures);
                        }))
                .chain(failures -> leftOutByChoice(session, db, failures, count))
                .chain(failures -> {
                    count.missing += failures.size();
                    return failureLog.append(failures);
                });
    }

    /**
     * With {@code migrate.unsupportedTypes: skip} the operator chose to leave out keys of types no Redis
     * loads (Dragonfly's JSON, Bloom ...): a failed key of such a type is counted as left out, not missing.
     */
    private Uni<List<KeyFailure>> leftOutByChoice(WriterSession session, int db, List<KeyFailure> failures, DbCount count) {
        if (!skipUnsupportedTypes || failures.isEmpty()) {
            return Uni.createFrom().item(failures);
        }
        List<KeyFailure> kept = java.util.Collections.synchronizedList(new ArrayList<>());
        return Multi.createFrom().iterable(failures)
                .onItem().transformToUniAndConcatenate(failure -> session.sourceCall(db, Request.cmd(Command.TYPE).arg(failure.key()), "TYPE")
                        .invoke(type -> {
                            if (type != null && !REDIS_TYPES.contains(type.toString())) {
                                count.leftOut++;
                            } else {
                                kept.add(failure);
                            }
                        }))
                .onItem().ignoreAsUni()
                .map(done -> List.copyOf(kept));
    }

    private Uni<List<KeyFailure>> stillAbsent(WriterSession session, int db, List<KeyFailure> failures) {
        if (failures.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return absent(session, db, failures.stream().map(KeyFailure::key).toList())
                .map(absent -> failures.stream()
                        .filter(failure -> absent.stream().anyMatch(key -> java.util.Arrays.equals(key, failure.key())))
                        .toList());
    }

    /** The keys the target lacks: one {@code EXISTS} per slot (all keys at once on a standalone target), then key by key where some are absent. */
    private Uni<List<byte[]>> absent(WriterSession session, int db, List<byte[]> keys) {
        Map<Integer, List<byte[]>> bySlot = new TreeMap<>();
        for (byte[] key : keys) {
            bySlot.computeIfAbsent(writer.cluster() ? HashSlot.of(key) : 0, s -> new ArrayList<>()).add(key);
        }
        List<byte[]> absent = java.util.Collections.synchronizedList(new ArrayList<>());
        return Multi.createFrom().iterable(bySlot.entrySet())
                .onItem().transformToUniAndConcatenate(group -> exists(session, db, group.getKey(), group.getValue())
                        .chain(present -> {
                            if (present == 0) {
                                absent.addAll(group.getValue());
                                return Uni.createFrom().voidItem();
                            }
                            return present == group.getValue().size() ? Uni.createFrom().voidItem()
                                    : eachAbsent(session, db, group.getKey(), group.getValue(), absent);
                        }))
                .onItem().ignoreAsUni()
                .replaceWith(absent);
    }

    private Uni<Void> eachAbsent(WriterSession session, int db, int slot, List<byte[]> keys, List<byte[]> absent) {
        return Multi.createFrom().iterable(keys)
                .onItem().transformToUni(key -> exists(session, db, slot, List.of(key))
                        .invoke(present -> {
                            if (present == 0) {
                                absent.add(key);
                            }
                        }))
                .merge(LOOKUPS_IN_FLIGHT)
                .onItem().ignoreAsUni();
    }

    private Uni<Long> exists(WriterSession session, int db, int slot, List<byte[]> keys) {
        Request request = Request.cmd(Command.EXISTS);
        keys.forEach(request::arg);
        return session.targetCall(db, slot, request, "EXISTS db" + db)
                .map(Response::toLong);
    }
}
