package io.df2redis.migration.verify;

import io.df2redis.copy.BatchCheck;

import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationPaths;
import io.df2redis.copy.FailureLog;
import io.df2redis.copy.KeyFailure;
import io.df2redis.migration.engine.Orientation;
import io.df2redis.migration.journal.JournalDrain;
import io.df2redis.migration.journal.JournalReader;
import io.df2redis.resp.KeyScan;
import io.df2redis.resp.RedisEndpoints;
import io.df2redis.resp.RedisSide;
import io.df2redis.resp.ServerInfo;
import io.df2redis.state.StatusStore;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.redis.client.Command;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Phase 7 of the migration model: compares the authoritative side with the other, key by key, in
 * both directions (existence, value by DUMP payload and by value when the encodings differ, TTL within
 * {@code verify.ttlTolerance}). A difference is checked again in a settled comparison: once the journal
 * drain has applied every record that existed when it began, and judged only when no write to the key
 * was journaled during it (in-flight writes make transient differences; a key written during each of
 * {@link #SETTLE_ATTEMPTS} such comparisons is busy, a hot key, never a mismatch). A real difference is
 * repaired through the drain (so a repair never races a drain of the same key) and checked again, up to
 * {@code verify.rounds}; what still differs is a mismatch, written with its key to
 * {@code <stateDir>/mismatches.jsonl}.
 * Never writes either side itself.
 */
@ApplicationScoped
public class Verifier {

    static final int PAGE = 500;
    /** Distinct keys a dirty pass gathers from the journal before it checks them. */
    static final int DIRTY_CHUNK = 4096;
    /** SCAN COUNT of a full pass: its pages are read on lean connections, where a bigger page costs no more per key. */
    static final int FULL_PAGE = 1000;
    /**
     * Pages of a full pass checked at once: both sides then always have reads to answer, while a page's
     * replies are compared (memory: that many pages of keys and payloads).
     */
    static final int PAGES_IN_FLIGHT = 4;
    /**
     * Keys of a page compared by value (their DUMP payloads differ: a Redis 7.0 set of strings is a hash table
     * whose DUMP lists members in table order, which a RESTORE elsewhere does not keep; a Dragonfly payload)
     * are read in pipelined rounds on the lean connections ({@link SideAccess#forms}); this many of those left
     * to {@link ValueForm} (streams, big collections) are read at once on each side's general connection.
     */
    static final int BY_VALUE_IN_FLIGHT = 32;
    /** Settled comparisons of a key that is written during each before it counts as busy. */
    static final int SETTLE_ATTEMPTS = 5;

    private final MigrationConfig config;
    private final MigrationPaths paths;
    private final RedisEndpoints redis;
    private final JournalDrain drain;
    private final StatusStore store;
    private final io.df2redis.migration.stage.OwnKeys ownKeys;

    public Verifier(MigrationConfig config, MigrationPaths paths, RedisEndpoints redis, JournalDrain drain, StatusStore store) {
        this.config = config;
        this.paths = paths;
        this.redis = redis;
        this.drain = drain;
        this.store = store;
        this.ownKeys = new io.df2redis.migration.stage.OwnKeys(config.consistency());
    }

    /** What a pass found. {@code mismatchedKeys} keeps at most the first 20 for messages. */
    public static final class Report {
        public long checked;
        public long differences;
        public long transientDifferences;
        public long repaired;
        /** Keys written during each of their settled comparisons (hot keys): neither equal nor a mismatch. */
        public long busy;
        public long mismatched;
        public final List<String> mismatchedKeys = new ArrayList<>();
        public long throughSeq;

        synchronized void add(Report other) {
            checked += other.checked;
            differences += other.differences;
            transientDifferences += other.transientDifferences;
            repaired += other.repaired;
            busy += other.busy;
            mismatched += other.mismatched;
            other.mismatchedKeys.stream().limit(20 - mismatchedKeys.size()).forEach(mismatchedKeys::add);
        }

        public String summary() {
            return checked + " keys checked, " + differences + " differences (" + transientDifferences + " transient, "
                    + repaired + " repaired" + (busy == 0 ? "" : ", " + busy + " busy: written during every comparison") + "), "
                    + mismatched + " mismatches"
                    + (mismatchedKeys.isEmpty() ? "" : " e.g. " + String.join(", ", mismatchedKeys));
        }
    }

    /** A difference between the two sides for one key. */
    record Difference(int db, byte[] key, String reason) {
    }

    /** Sample ({@code rate} of the keys, 1 = full) in both directions. */
    public Uni<Report> scanPass(double rate, Consumer<Report> progress) {
        Report total = new Report();
        Session session = open();
        return Uni.createFrom().item(drain::readHead)
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .invoke(head -> total.throughSeq = drain.applied())
                .chain(() -> databases(session))
                .chain(dbs -> Multi.createFrom().iterable(dbs)
                        .onItem().transformToUniAndConcatenate(db -> scanDb(session, session.authoritative, db, rate, true, total, progress)
                                .chain(() -> scanDb(session, session.other, db, rate, false, total, progress)))
                        .onItem().ignoreAsUni())
                .replaceWith(total)
                .eventually(session::close)
                .invoke(report -> publish(report, rate >= 1 ? "full" : "sample"));
    }

    /**
     * The full pass that is left once the scan copy verified every batch it wrote ({@code verify.duringCopy}):
     * the keys only on the other side (the copy compared the authoritative side's keys), the keys the copy
     * found differing (checked again with rounds and repairs), and the keys journaled since (a dirty pass).
     */
    public Uni<Report> afterVerifiedCopy(Consumer<Report> progress) {
        Report total = new Report();
        Session session = open();
        return databases(session)
                .chain(dbs -> Multi.createFrom().iterable(dbs)
                        .onItem().transformToUniAndConcatenate(db -> scanDb(session, session.other, db, 1.0, false, total, progress))
                        .onItem().ignoreAsUni())
                .eventually(session::close)
                .chain(() -> recheck(CopyBatchCheck.differences(paths)))
                .invoke(total::add)
                .chain(() -> dirty(report -> {
                    Report sum = new Report();
                    sum.add(total);
                    sum.add(report);
                    progress.accept(sum);
                }))
                .map(dirty -> {
                    total.add(dirty);
                    total.throughSeq = dirty.throughSeq;
                    return total;
                })
                .invoke(report -> publish(report, "full"));
    }

    /** The keys journaled after the last verified sequence, up to what the drain has applied. */
    public Uni<Report> dirtyPass(Consumer<Report> progress) {
        return dirty(progress)
                .invoke(report -> publish(report, "dirty"));
    }

    private Uni<Report> dirty(Consumer<Report> progress) {
        long from = drain.verifiedThrough();
        long to = drain.applied();
        Report total = new Report();
        total.throughSeq = to;
        if (to <= from) {
            return Uni.createFrom().item(total);
        }
        Session session = open();
        JournalReader reader = new JournalReader(paths.walDir());
        long[] position = {from};
        return Multi.createBy().repeating().uni(() -> Uni.createFrom().item(() -> readDirty(reader, position[0], to))
                        .runSubscriptionOn(Infrastructure.getDefaultWorkerPool()))
                .whilst(batch -> batch.lastSeq() < to && !batch.empty())
                .onItem().transformToUniAndConcatenate(batch -> {
                    position[0] = Math.min(batch.lastSeq(), to);
                    return checkDirty(session, batch, total, progress);
                })
                .onItem().ignoreAsUni()
                .replaceWith(total)
                .eventually(session::close);
    }

    /**
     * Checks again the keys of {@code mismatches.jsonl} (after the operator fixed the cause): the file is
     * archived as {@code mismatches-<time>.jsonl}, and the keys that still differ after the rounds are
     * written to a new {@code mismatches.jsonl}.
     */
    public Uni<Report> recheckMismatches() {
        return recheck(paths.stateDir().resolve("mismatches.jsonl"));
    }

    /** Checks the keys of a file of keys (rounds and repairs included); the file is archived first. */
    private Uni<Report> recheck(java.nio.file.Path file) {
        return Uni.createFrom().item(() -> archived(file))
                // File I/O: off the event loop.
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .chain(byDb -> {
                    Report total = new Report();
                    if (byDb.isEmpty()) {
                        return Uni.createFrom().item(total);
                    }
                    Session session = open();
                    return Multi.createFrom().iterable(byDb.entrySet())
                            .onItem().transformToUniAndConcatenate(e -> check(session, e.getKey(), e.getValue(), total))
                            .onItem().ignoreAsUni()
                            .replaceWith(total)
                            .eventually(session::close);
                });
    }

    /** The keys of the mismatch file by database (deduplicated, at most 100,000); the file is moved aside. */
    private java.util.Map<Integer, List<byte[]>> archived(java.nio.file.Path file) {
        java.util.Map<Integer, java.util.LinkedHashMap<String, byte[]>> keys = new java.util.TreeMap<>();
        if (!java.nio.file.Files.exists(file)) {
            return java.util.Map.of();
        }
        try (java.io.BufferedReader lines = java.nio.file.Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int read = 0;
            for (String line = lines.readLine(); line != null && read < 100_000; line = lines.readLine(), read++) {
                if (line.isBlank()) {
                    continue;
                }
                com.fasterxml.jackson.databind.JsonNode entry = io.df2redis.state.StatusJson.MAPPER.readTree(line);
                byte[] key = entry.has("keyBase64") ? java.util.Base64.getDecoder().decode(entry.path("keyBase64").asText())
                        : entry.path("key").asText().getBytes(StandardCharsets.UTF_8);
                keys.computeIfAbsent(entry.path("db").asInt(), d -> new java.util.LinkedHashMap<>())
                        .put(java.util.Base64.getEncoder().encodeToString(key), key);
            }
            String name = file.getFileName().toString().replace(".jsonl", "");
            java.nio.file.Files.move(file, file.resolveSibling(name + "-" + System.currentTimeMillis() + ".jsonl"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        java.util.Map<Integer, List<byte[]>> byDb = new java.util.TreeMap<>();
        keys.forEach((db, map) -> byDb.put(db, List.copyOf(map.values())));
        return byDb;
    }

    /** Checks these keys of {@code db} (rounds and repairs included). */
    public Uni<Report> keys(int db, List<byte[]> keys) {
        Session session = open();
        Report report = new Report();
        return check(session, db, keys, report).replaceWith(report).eventually(session::close);
    }

    // ---- passes ----

    /**
     * The distinct keys of the next pages of the journal after {@code after}, until {@code to} or
     * {@link #DIRTY_CHUNK} keys: under a steady load a few hot keys fill many pages, and each check of a
     * key (and each settled comparison of a busy one) then covers all its writes of the chunk at once.
     */
    private JournalReader.Batch readDirty(JournalReader reader, long after, long to) {
        try {
            java.util.Map<String, JournalReader.DirtyKey> keys = new java.util.LinkedHashMap<>();
            int intents = 0;
            long position = after;
            while (keys.size() < DIRTY_CHUNK && position < to) {
                JournalReader.Batch page = reader.next(position, PAGE);
                if (page.empty()) {
                    break;
                }
                intents += page.intents();
                position = page.lastSeq();
                for (JournalReader.DirtyKey key : page.keys()) {
                    keys.putIfAbsent(key.db() + ":" + java.util.Base64.getEncoder().encodeToString(key.key()), key);
                }
            }
            return new JournalReader.Batch(List.copyOf(keys.values()), intents, position, 0, 0);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read the journal in " + paths.walDir() + ": " + e.getMessage(), e);
        }
    }

    private Uni<Void> checkDirty(Session session, JournalReader.Batch batch, Report total, Consumer<Report> progress) {
        java.util.Map<Integer, List<byte[]>> byDb = new java.util.TreeMap<>();
        batch.keys().stream().filter(k -> !internal(k.key()))
                .forEach(k -> byDb.computeIfAbsent(k.db(), d -> new ArrayList<>()).add(k.key()));
        return Multi.createFrom().iterable(byDb.entrySet())
                .onItem().transformToUniAndConcatenate(e -> check(session, e.getKey(), e.getValue(), total))
                .onItem().ignoreAsUni()
                .invoke(() -> progress.accept(total));
    }

    private Uni<List<Integer>> databases(Session session) {
        if (config.source().db().isPresent()) {
            return Uni.createFrom().item(List.of(config.source().db().get()));
        }
        return redis.source().send(Command.INFO, "keyspace")
                .chain(source -> redis.target().send(Command.INFO, "keyspace")
                        .map(target -> {
                            TreeSet<Integer> dbs = new TreeSet<>(ServerInfo.parse(source.toString()).keysPerDb().keySet());
                            dbs.addAll(ServerInfo.parse(target.toString()).keysPerDb().keySet());
                            if (config.target().type() == MigrationConfig.TargetType.REDIS_CLUSTER) {
                                dbs.add(0);
                            }
                            return List.copyOf(dbs);
                        }));
    }

    /**
     * Scans one side's database. From the authoritative side every (sampled) key is compared; from
     * the other side only whether it exists on the authoritative side (keys only there are differences).
     * Pages are checked {@link #PAGES_IN_FLIGHT} at a time, each into a report of its own added to the total.
     */
    private Uni<Void> scanDb(Session session, SideAccess side, int db, double rate, boolean authoritative,
            Report total, Consumer<Report> progress) {
        return scanClients(side == session.authoritative ? session.authoritativeRole : session.otherRole)
                .chain(clients -> Multi.createFrom().iterable(clients)
                        .onItem().transformToUniAndConcatenate(client -> keysOf(client, db, rate, page -> {
                            List<byte[]> keys = page.stream().filter(k -> !internal(k)).toList();
                            if (keys.isEmpty()) {
                                return Uni.createFrom().voidItem();
                            }
                            Uni<List<byte[]>> toCheck = authoritative ? Uni.createFrom().item(keys)
                                    : session.authoritative.exist(db, keys).map(exists -> onlyHere(keys, exists));
                            Report pageReport = new Report();
                            return toCheck.chain(list -> list.isEmpty() ? Uni.createFrom().voidItem()
                                            : check(session, db, list, pageReport, authoritative))
                                    .invoke(() -> {
                                        total.add(pageReport);
                                        progress.accept(total);
                                    });
                        }))
                        .onItem().ignoreAsUni());
    }

    private static List<byte[]> onlyHere(List<byte[]> keys, List<Boolean> existsOnAuthoritative) {
        List<byte[]> only = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            if (!existsOnAuthoritative.get(i)) {
                only.add(keys.get(i));
            }
        }
        return only;
    }

    /** The standalone clients to SCAN for a side: itself, or every master of a cluster. */
    private Uni<List<RedisSide>> scanClients(String role) {
        if (role.equals("target") && config.target().type() == MigrationConfig.TargetType.REDIS_CLUSTER) {
            return redis.targetMasters();
        }
        return Uni.createFrom().item(List.of(role.equals("source") ? redis.source() : redis.target()));
    }

    /** Every key of the node's database (a full pass), or a random sample of {@code rate} of them. */
    private Uni<Void> keysOf(RedisSide client, int db, double rate, java.util.function.Function<List<byte[]>, Uni<Void>> onPage) {
        if (rate < 1) {
            return KeyScan.sample(client, db, rate, PAGE, onPage);
        }
        return KeyScan.leanPages(client, db, FULL_PAGE, PAGES_IN_FLIGHT, onPage);
    }

    // ---- the check with rounds ----

    private Uni<Void> check(Session session, int db, List<byte[]> keys, Report total) {
        return check(session, db, keys, total, true);
    }

    private Uni<Void> check(Session session, int db, List<byte[]> keys, Report total, boolean counted) {
        return compare(session, db, keys)
                .invoke(() -> {
                    if (counted) {
                        total.checked += keys.size();
                    }
                })
                .chain(differences -> differences.isEmpty() ? Uni.createFrom().voidItem()
                        : settle(session, db, differences, total));
    }

    /**
     * Round 1: a settled comparison (below), which transient differences do not survive. Further rounds:
     * repair through the drain, then a settled comparison again. A key written during every settled
     * comparison is busy, not a mismatch: the drain copies it again for each of those writes.
     */
    private Uni<Void> settle(Session session, int db, List<Difference> found, Report total) {
        total.differences += found.size();
        return settled(session, db, keysOf(found), 1)
                .invoke(judged -> {
                    total.busy += judged.busy();
                    total.transientDifferences += found.size() - judged.differing().size() - judged.busy();
                })
                .chain(judged -> repairRounds(session, db, judged.differing(), total, 1));
    }

    private Uni<Void> repairRounds(Session session, int db, List<Difference> still, Report total, int round) {
        if (still.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        if (round >= config.verify().rounds()) {
            return mismatched(session, db, still, total);
        }
        return drain.repair(db, keysOf(still))
                .chain(() -> settled(session, db, keysOf(still), 1))
                .invoke(after -> {
                    total.busy += after.busy();
                    total.repaired += still.size() - after.differing().size() - after.busy();
                })
                .chain(after -> repairRounds(session, db, after.differing(), total, round + 1));
    }

    /** What settled comparisons found: keys that differ with no write to explain it, and how many stayed busy. */
    record Settled(List<Difference> differing, int busy) {
    }

    /**
     * A settled comparison: note the journal's head, wait (at most {@code verify.recheckTimeout}) until the
     * drain has applied every record up to it (so every write journaled before the comparison began is
     * answered and copied), compare, then look in the journal for intents written since that head. A key
     * that differs with no such intent differs for a reason no write in flight explains: a real difference.
     * A key that differs and was written meanwhile proves nothing either way and is compared again, up to
     * {@link #SETTLE_ATTEMPTS} times; still written during each, it is busy (a hot key), never a mismatch.
     */
    private Uni<Settled> settled(Session session, int db, List<byte[]> keys, int attempt) {
        return Uni.createFrom().item(drain::readHead)
                // Journal files: off the event loop.
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .chain(start -> drain.awaitApplied(start, config.verify().recheckTimeout())
                        .chain(() -> compare(session, db, keys))
                        .chain(found -> found.isEmpty() ? Uni.createFrom().item(new Settled(List.of(), 0))
                                : Uni.createFrom().item(() -> writtenSince(start, db, found))
                                        // Journal files: off the event loop.
                                        .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                                        .chain(written -> split(session, db, found, written, attempt))));
    }

    private Uni<Settled> split(Session session, int db, List<Difference> found, java.util.Set<String> written, int attempt) {
        List<Difference> differing = new ArrayList<>();
        List<byte[]> busy = new ArrayList<>();
        for (Difference difference : found) {
            if (written.contains(java.util.Base64.getEncoder().encodeToString(difference.key()))) {
                busy.add(difference.key());
            } else {
                differing.add(difference);
            }
        }
        if (busy.isEmpty() || attempt >= SETTLE_ATTEMPTS) {
            return Uni.createFrom().item(new Settled(differing, busy.size()));
        }
        return settled(session, db, busy, attempt + 1)
                .map(again -> {
                    List<Difference> all = new ArrayList<>(differing);
                    all.addAll(again.differing());
                    return new Settled(all, again.busy());
                });
    }

    /** The keys of {@code found} with a journal intent after {@code start} (blocking file reads). */
    private java.util.Set<String> writtenSince(long start, int db, List<Difference> found) {
        long now = drain.readHead();
        try {
            return new JournalReader(paths.walDir()).writtenBetween(start, now, db, keysOf(found));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read the journal in " + paths.walDir() + ": " + e.getMessage(), e);
        }
    }

    private Uni<Void> mismatched(Session session, int db, List<Difference> still, Report total) {
        total.mismatched += still.size();
        still.stream().limit(20 - total.mismatchedKeys.size())
                .forEach(d -> total.mismatchedKeys.add(new String(d.key(), StandardCharsets.UTF_8)));
        return session.mismatches.append(still.stream()
                .map(d -> new KeyFailure(d.key(), d.db(), d.reason() + " (after " + config.verify().rounds() + " rounds)"))
                .toList());
    }

    private static List<byte[]> keysOf(List<Difference> differences) {
        return differences.stream().map(Difference::key).toList();
    }

    /** One comparison of the keys on both sides, without rounds. */
    /** Compares {@code keys} a page at a time (the Redis client queues a bounded number of commands). */
    Uni<List<Difference>> compare(Session session, int db, List<byte[]> keys) {
        if (keys.size() <= PAGE) {
            return comparePage(session, db, keys);
        }
        List<List<byte[]>> pages = new ArrayList<>();
        for (int from = 0; from < keys.size(); from += PAGE) {
            pages.add(keys.subList(from, Math.min(keys.size(), from + PAGE)));
        }
        List<Difference> all = new ArrayList<>();
        return Multi.createFrom().iterable(pages)
                .onItem().transformToUniAndConcatenate(page -> comparePage(session, db, page))
                .onItem().invoke(all::addAll)
                .onItem().ignoreAsUni()
                .replaceWith(all);
    }

    private Uni<List<Difference>> comparePage(Session session, int db, List<byte[]> keys) {
        // both sides at once: each page then costs the slower side's round trip, not the sum of both
        return Uni.combine().all().unis(session.authoritative.read(db, keys), session.other.read(db, keys)).asTuple()
                .chain(read -> judge(session, db, keys, read.getItem1(), read.getItem2()));
    }

    private Uni<List<Difference>> judge(Session session, int db, List<byte[]> keys, List<SideAccess.Held> a, List<SideAccess.Held> b) {
        List<Difference> differences = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Integer> byValue = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            SideAccess.Held x = a.get(i);
            SideAccess.Held y = b.get(i);
            if (!x.exists() && !y.exists()) {
                continue;
            }
            if (x.exists() != y.exists()) {
                differences.add(new Difference(db, keys.get(i), "only on the " + (x.exists() ? session.authoritative.name() : session.other.name())));
            } else if (!Arrays.equals(x.payload(), y.payload())) {
                byValue.add(i);
            } else if (!ttlClose(x.pttl(), y.pttl())) {
                differences.add(new Difference(db, keys.get(i), ttlReason(session, x.pttl(), y.pttl())));
            }
        }
        if (byValue.isEmpty()) {
            return Uni.createFrom().item(differences);
        }
        List<byte[]> byValueKeys = byValue.stream().map(keys::get).toList();
        return Uni.combine().all().unis(session.authoritative.forms(db, byValueKeys), session.other.forms(db, byValueKeys)).asTuple()
                .chain(forms -> Multi.createFrom().range(0, byValue.size())
                        .onItem().transformToUni(j -> sameValue(session, db, byValueKeys.get(j), forms.getItem1().get(j), forms.getItem2().get(j))
                                .invoke(same -> {
                                    int i = byValue.get(j);
                                    if (!same) {
                                        differences.add(new Difference(db, keys.get(i), "different value"));
                                    } else if (!ttlClose(a.get(i).pttl(), b.get(i).pttl())) {
                                        differences.add(new Difference(db, keys.get(i), ttlReason(session, a.get(i).pttl(), b.get(i).pttl())));
                                    }
                                }))
                        .merge(BY_VALUE_IN_FLIGHT)
                        .onItem().ignoreAsUni()
                        .replaceWith(differences));
    }

    /** Both lean forms when both sides gave one, else both sides through {@link ValueForm}. */
    private static Uni<Boolean> sameValue(Session session, int db, byte[] key, String authoritativeForm, String otherForm) {
        if (authoritativeForm != null && otherForm != null) {
            return Uni.createFrom().item(authoritativeForm.equals(otherForm));
        }
        return Uni.combine().all().unis(ValueForm.of(session.authoritative, db, key), ValueForm.of(session.other, db, key)).asTuple()
                .map(values -> values.getItem1().equals(values.getItem2()));
    }

    private boolean ttlClose(long x, long y) {
        if (x < 0 || y < 0) {
            return x == y;
        }
        return Math.abs(x - y) <= config.verify().ttlTolerance().toMillis();
    }

    private static String ttlReason(Session session, long x, long y) {
        return "different TTL: " + session.authoritative.name() + " " + (x < 0 ? "none" : x + " ms") + ", "
                + session.other.name() + " " + (y < 0 ? "none" : y + " ms");
    }

    /** Keys df2redis itself writes: meta keys, the baseline and fence keys, the writer's temporary keys. */
    boolean internal(byte[] key) {
        return ownKeys.isOwn(key);
    }

    private void publish(Report report, String mode) {
        store.update(s -> {
            s.metrics.merge("verify_keys_checked", (double) report.checked, Double::sum);
            s.metrics.merge("verify_differences", (double) report.differences, Double::sum);
            s.metrics.merge("verify_repaired", (double) report.repaired, Double::sum);
            s.metrics.merge("verify_busy", (double) report.busy, Double::sum);
            s.metrics.merge("verify_mismatches", (double) report.mismatched, Double::sum);
            s.metrics.put("verify_last_pass_mismatches", (double) report.mismatched);
        });
        if (report.mismatched == 0 && report.throughSeq > 0 && !"sample".equals(mode)) {
            drain.verifiedThrough(report.throughSeq);
        }
    }

    // ---- sessions ----

    /** The two sides of one pass, read-only, in the drain's direction. */
    final class Session {
        final SideAccess authoritative;
        final SideAccess other;
        final String authoritativeRole;
        final String otherRole;
        final FailureLog mismatches = new FailureLog(paths.stateDir().resolve("mismatches.jsonl"));

        Session() {
            Orientation orientation = drain.orientation();
            SideAccess source = new SideAccess("source", redis.source(), null);
            SideAccess target = new SideAccess("target", redis.target(), orientation.targetIsCluster() ? redis::targetNode : null);
            this.authoritative = orientation.authoritative(source, target);
            this.other = orientation.other(source, target);
            this.authoritativeRole = orientation.authoritative();
            this.otherRole = orientation.other();
        }

        Uni<Void> close() {
            return Uni.createFrom().item(() -> {
                authoritative.close();
                other.close();
                mismatches.close();
                return null;
            });
        }
    }

    Session open() {
        return new Session();
    }
}
