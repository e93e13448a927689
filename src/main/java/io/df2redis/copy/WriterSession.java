package io.df2redis.copy;

import io.df2redis.config.MigrationConfig.ConflictPolicy;
import io.df2redis.contract.cluster.HashSlot;
import io.df2redis.resp.LeanConnection;
import io.df2redis.resp.RedisSide;
import io.df2redis.resp.RemoteFailure;
import io.df2redis.resp.RespCommands;
import io.df2redis.resp.RespReplies;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.impl.types.ErrorType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One worker's connections to the target (one per master and database) and to the source (one per
 * database, for by-value copies). Not shared between workers: each pipeline is one worker's.
 */
public final class WriterSession {

    static final int MAX_REDIRECTS = 5;
    private static final byte[] RESTORE = "RESTORE".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RESTORE_REPLACING = RespCommands.head(6, RESTORE);
    private static final byte[] RESTORE_NEW = RespCommands.head(5, RESTORE);
    private static final byte[] REPLACE_ABSTTL = RespCommands.tail("REPLACE".getBytes(StandardCharsets.US_ASCII),
            "ABSTTL".getBytes(StandardCharsets.US_ASCII));
    private static final byte[] ABSTTL = RespCommands.tail("ABSTTL".getBytes(StandardCharsets.US_ASCII));
    private static final int CALL_RETRIES = 3;
    private static final String STANDALONE = "target";
    /** The largest payload a Java array holds: beyond it even without the big-key slow path a payload cannot be kept. */
    private static final long MAX_KEPT_PAYLOAD = Integer.MAX_VALUE - 16;

    private final TargetWriter writer;
    private final WriterSettings settings;
    private final Map<String, Uni<RedisConnection>> targetConnections = new ConcurrentHashMap<>();
    private final Map<Integer, Uni<RedisConnection>> sourceConnections = new ConcurrentHashMap<>();
    private final Map<String, Uni<LeanConnection>> targetPipelines = new ConcurrentHashMap<>();
    private final Map<Integer, Uni<LeanConnection>> sourcePipelines = new ConcurrentHashMap<>();

    WriterSession(TargetWriter writer) {
        this.writer = writer;
        this.settings = writer.settings();
    }

    /**
     * Writes one batch of keys read from database {@code db} of the source (into the same database of a
     * standalone target, database 0 of a cluster). Memory: the batch itself plus one chunk per big key.
     * Keys the target refuses, or that conflict under {@code fail}, are reported, not thrown; a server
     * that stays unreachable fails the returned {@link Uni}.
     */
    public Uni<WriteReport> write(int db, List<KeyRecord> records) {
        WriteReport report = new WriteReport();
        List<KeyRecord> small = new ArrayList<>(records.size());
        List<KeyRecord> big = new ArrayList<>();
        for (KeyRecord record : records) {
            if (record.payload() == null || settings.bigKeySlowpath() && record.payloadBytes() > settings.bigKeyBytes()) {
                big.add(record);
            } else {
                small.add(record);
            }
        }
        return restoreAll(db, small, report)
                .chain(() -> copyBigKeys(db, big, report))
                .replaceWith(report);
    }

    /** Closes this session's connections. */
    public Uni<Void> close() {
        List<Uni<RedisConnection>> open = new ArrayList<>(targetConnections.values());
        open.addAll(sourceConnections.values());
        targetConnections.clear();
        sourceConnections.clear();
        List<Uni<LeanConnection>> pipelined = new ArrayList<>(targetPipelines.values());
        pipelined.addAll(sourcePipelines.values());
        targetPipelines.clear();
        sourcePipelines.clear();
        pipelined.forEach(WriterSession::closePipelineQuietly);
        return Multi.createFrom().iterable(open)
                .onItem().transformToUniAndMerge(connection -> connection
                        .chain(RedisConnection::close)
                        .onFailure().recoverWithNull())
                .onItem().ignoreAsUni();
    }

    private int targetDb(int db) {
        return writer.cluster() ? 0 : db;
    }

    private Uni<Void> restoreAll(int db, List<KeyRecord> records, WriteReport report) {
        if (records.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        if (!writer.cluster()) {
            return restorePipelined(db, STANDALONE, records, report);
        }
        Map<String, List<KeyRecord>> byNode = new LinkedHashMap<>();
        for (KeyRecord record : records) {
            byNode.computeIfAbsent(nodeFor(HashSlot.of(record.key())), n -> new ArrayList<>()).add(record);
        }
        return Multi.createFrom().iterable(byNode.entrySet())
                .onItem().transformToUniAndMerge(node -> restorePipelined(db, node.getKey(), node.getValue(), report))
                .onItem().ignoreAsUni();
    }

    /**
     * One master's keys on this session's lean connection to it: the RESTOREs go out in writes of
     * {@code migrate.pipeline} commands, all of the batch's writes without waiting for replies in between.
     */
    private Uni<Void> restorePipelined(int db, String node, List<KeyRecord> records, WriteReport report) {
        if ("unassigned".equals(node)) {
            return restoreOneByOne(db, records, report);
        }
        List<List<KeyRecord>> windows = new ArrayList<>();
        for (int from = 0; from < records.size(); from += settings.pipeline()) {
            windows.add(records.subList(from, Math.min(records.size(), from + settings.pipeline())));
        }
        return Multi.createFrom().iterable(windows)
                .onItem().transformToUniAndMerge(window -> restoreWindow(db, node, window, report))
                .onItem().ignoreAsUni();
    }

    /**
     * A window goes out as one write. Each key's reply is its own: an OK counts the key; an error reply
     * (a refused payload, a conflict, a redirect) sends that key down the one-by-one path, which knows
     * what to do with each.
     */
    private Uni<Void> restoreWindow(int db, String node, List<KeyRecord> window, WriteReport report) {
        int targetDb = targetDb(db);
        return call(() -> targetPipeline(node, targetDb), () -> evictTargetPipeline(node, targetDb),
                connection -> connection.send(restoreCommands(window)), writer.endpointOf(node), "RESTORE")
                .chain(replies -> restoreReplies(db, window, replies, report));
    }

    private Uni<Void> restoreReplies(int db, List<KeyRecord> window, RespReplies replies, WriteReport report) {
        List<Uni<Void>> redone = new ArrayList<>();
        for (int i = 0; i < window.size(); i++) {
            KeyRecord record = window.get(i);
            if (!replies.error(i)) {
                report.addCopied(record.payloadBytes());
                continue;
            }
            String message = replies.errorMessage(i);
            if (message.startsWith("MOVED ") || message.startsWith("ASK ")) {
                redone.add(restore(db, record, report));
            } else {
                redone.add(refused(db, record, message, report));
            }
        }
        if (redone.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Multi.createFrom().iterable(redone)
                .onItem().transformToUniAndConcatenate(step -> step)
                .onItem().ignoreAsUni();
    }

    private RespCommands restoreCommands(List<KeyRecord> window) {
        boolean replace = settings.conflictPolicy() == ConflictPolicy.REPLACE;
        int size = 0;
        for (KeyRecord record : window) {
            size += record.key().length + record.payload().length + 80;
        }
        RespCommands commands = RespCommands.once(size);
        byte[] head = replace ? RESTORE_REPLACING : RESTORE_NEW;
        byte[] tail = replace ? REPLACE_ABSTTL : ABSTTL;
        for (KeyRecord record : window) {
            commands.command(head).arg(record.key()).arg(record.expireAtMs()).arg(record.payload()).args(tail);
        }
        return commands;
    }

    private Uni<Void> restoreOneByOne(int db, List<KeyRecord> window, WriteReport report) {
        List<Uni<Void>> restores = new ArrayList<>(window.size());
        for (KeyRecord record : window) {
            restores.add(restore(db, record, report));
        }
        return Uni.join().all(restores).andFailFast()
                .replaceWithVoid();
    }

    private Request restoreRequest(KeyRecord record) {
        Request restore = Request.cmd(Command.RESTORE)
                .arg(record.key())
                .arg(record.expireAtMs())
                .arg(record.payload());
        if (settings.conflictPolicy() == ConflictPolicy.REPLACE) {
            restore.arg("REPLACE");
        }
        return restore.arg("ABSTTL");
    }

    private Uni<Void> restore(int db, KeyRecord record, WriteReport report) {
        return targetCall(db, HashSlot.of(record.key()), restoreRequest(record), "RESTORE")
                .invoke(ok -> report.addCopied(record.payload().length))
                .replaceWithVoid()
                .onFailure(ErrorType.class).recoverWithUni(refusal -> refused(db, record, refusal.getMessage(), report));
    }

    private Uni<Void> refused(int db, KeyRecord record, String message, WriteReport report) {
        if (message.startsWith("BUSYKEY")) {
            conflict(db, record, report);
            return Uni.createFrom().voidItem();
        }
        if (refusedPayload(message)) {
            return new ByValueCopy(this, db, record, true, report).run();
        }
        report.addFailure(new KeyFailure(record.key(), db, "the target refused RESTORE: " + message));
        return Uni.createFrom().voidItem();
    }

    /** The target does not know the payload's RDB version or encoding (a Dragonfly or newer Redis payload). */
    static boolean refusedPayload(String message) {
        return message.contains("payload version or checksum are wrong") || message.contains("Bad data format");
    }

    void conflict(int db, KeyRecord record, WriteReport report) {
        if (settings.conflictPolicy() == ConflictPolicy.SKIP_EXISTING) {
            report.addSkippedExisting();
        } else {
            report.addFailure(new KeyFailure(record.key(), db,
                    "the target already holds this key (migrate.conflictPolicy: fail)"));
        }
    }

    private Uni<Void> copyBigKeys(int db, List<KeyRecord> records, WriteReport report) {
        return Multi.createFrom().iterable(records)
                .onItem().transformToUniAndConcatenate(record -> new ByValueCopy(this, db, record, false, report).run())
                .onItem().ignoreAsUni();
    }

    WriterSettings settings() {
        return settings;
    }

    TargetWriter writer() {
        return writer;
    }

    // ---- target: routing by slot, redirects, pipelined sends ----

    private String nodeFor(int slot) {
        if (!writer.cluster()) {
            return STANDALONE;
        }
        String owner = writer.topology().owner(slot);
        return owner == null ? "unassigned" : owner;
    }

    /**
     * Sends one command for a key of {@code slot} (database {@code db} of the source) to the master that
     * owns it, following {@code MOVED} and {@code ASK} up to {@link #MAX_REDIRECTS} times. Error replies
     * other than redirects fail with the {@link ErrorType}; unreachable servers with a worded failure.
     */
    public Uni<Response> targetCall(int db, int slot, Request request, String what) {
        return routed(targetDb(db), slot, request, what, 0);
    }

    private Uni<Response> routed(int targetDb, int slot, Request request, String what, int redirects) {
        String node = nodeFor(slot);
        if ("unassigned".equals(node)) {
            return redirectsLeft(slot, redirects)
                    .chain(() -> writer.topology().refresh())
                    .chain(() -> routed(targetDb, slot, request, what, redirects + 1));
        }
        return call(() -> targetConnection(node, targetDb), () -> evictTarget(node, targetDb),
                connection -> connection.send(request), writer.endpointOf(node), what)
                .onFailure(WriterSession::redirect).recoverWithUni(e -> follow(targetDb, slot, request, what, redirects, e));
    }

    private Uni<Response> follow(int targetDb, int slot, Request request, String what, int redirects, Throwable redirect) {
        String[] parts = redirect.getMessage().split(" ");
        String node = parts[2];
        if (parts[0].equals("MOVED")) {
            return redirectsLeft(slot, redirects)
                    .chain(() -> writer.topology().moved(slot, node))
                    .chain(() -> routed(targetDb, slot, request, what, redirects + 1));
        }
        // ASK: this one command goes to the importing node, preceded by ASKING in the same write.
        return redirectsLeft(slot, redirects)
                .chain(() -> call(() -> targetConnection(node, targetDb), () -> evictTarget(node, targetDb),
                        connection -> connection.batch(List.of(Request.cmd(Command.ASKING), request))
                                .map(replies -> replies.get(1)),
                        writer.endpointOf(node), what + " (ASK)"))
                .onFailure(WriterSession::redirect).recoverWithUni(e -> follow(targetDb, slot, request, what, redirects + 1, e));
    }

    private Uni<Void> redirectsLeft(int slot, int redirects) {
        if (redirects >= MAX_REDIRECTS) {
            return Uni.createFrom().failure(new IllegalStateException("target cluster: slot " + slot
                    + " was still redirected after " + MAX_REDIRECTS + " tries; is the cluster resharding or failing over?"));
        }
        return Uni.createFrom().voidItem();
    }

    private static boolean redirect(Throwable failure) {
        if (!(failure instanceof ErrorType)) {
            return false;
        }
        String message = String.valueOf(failure.getMessage());
        return message.startsWith("MOVED ") || message.startsWith("ASK ");
    }

    private Uni<RedisConnection> targetConnection(String node, int db) {
        return targetConnections.computeIfAbsent(node + "/" + db, id -> {
            Uni<RedisConnection> connect = writer.cluster() ? writer.node(node).connect(0) : writer.target().connect(db);
            return connect
                    .onFailure().invoke(() -> targetConnections.remove(id))
                    .memoize().indefinitely();
        });
    }

    private void evictTarget(String node, int db) {
        closeQuietly(targetConnections.remove(node + "/" + db));
    }

    private Uni<LeanConnection> targetPipeline(String node, int db) {
        return targetPipelines.computeIfAbsent(node + "/" + db, id -> {
            RedisSide side = writer.cluster() ? writer.node(node) : writer.target();
            return side.pipelined(writer.cluster() ? 0 : db, Integer.MAX_VALUE)
                    .onFailure().invoke(() -> targetPipelines.remove(id))
                    .memoize().indefinitely();
        });
    }

    private void evictTargetPipeline(String node, int db) {
        closePipelineQuietly(targetPipelines.remove(node + "/" + db));
    }

    // ---- source: reads for by-value copies ----

    /** Reads from database {@code db} of the source on this session's connection; error replies fail with the {@link ErrorType}. */
    public Uni<Response> sourceCall(int db, Request request, String what) {
        return call(() -> sourceConnection(db), () -> closeQuietly(sourceConnections.remove(db)),
                connection -> connection.send(request), writer.source().endpoint(), what);
    }

    /** The replies of a pipelined read, and when it went out (the base of the relative TTLs it read). */
    public record TimedReplies(RespReplies replies, long sentAtMs) {
    }

    /**
     * Pipelined reads (e.g. PTTL and DUMP of a batch) from database {@code db} of the source, in one write on
     * this session's lean connection; bulk replies above the big-key threshold are skipped, not kept. Each
     * attempt encodes the commands anew, so they may be {@link RespCommands#once} commands.
     */
    public Uni<TimedReplies> sourcePipeline(int db, Supplier<RespCommands> commands, String what) {
        return call(() -> sourcePipeline(db), () -> closePipelineQuietly(sourcePipelines.remove(db)),
                connection -> sentNow(connection, commands.get()), writer.source().endpoint(), what);
    }

    private static Uni<TimedReplies> sentNow(LeanConnection connection, RespCommands commands) {
        long sentAt = System.currentTimeMillis();
        return connection.send(commands)
                .map(replies -> new TimedReplies(replies, sentAt));
    }

    private Uni<LeanConnection> sourcePipeline(int db) {
        long keep = settings.bigKeySlowpath() ? settings.bigKeyBytes() : MAX_KEPT_PAYLOAD;
        return sourcePipelines.computeIfAbsent(db, d -> writer.source().pipelined(d, keep)
                .onFailure().invoke(() -> sourcePipelines.remove(d))
                .memoize().indefinitely());
    }

    private Uni<RedisConnection> sourceConnection(int db) {
        return sourceConnections.computeIfAbsent(db, d -> writer.source().connect(d)
                .onFailure().invoke(() -> sourceConnections.remove(d))
                .memoize().indefinitely());
    }

    private static void closeQuietly(Uni<RedisConnection> connection) {
        if (connection != null) {
            connection.subscribe().with(RedisConnection::closeAndForget, failure -> { });
        }
    }

    private static void closePipelineQuietly(Uni<LeanConnection> connection) {
        if (connection != null) {
            connection.subscribe().with(LeanConnection::close, failure -> { });
        }
    }

    /**
     * One call with the timeout and a bounded retry of what may pass (a dropped connection is replaced
     * first). Error replies are the caller's business and stay {@link ErrorType}s.
     */
    private <C, T> Uni<T> call(Supplier<Uni<C>> connection, Runnable evict,
            Function<? super C, Uni<? extends T>> send, io.df2redis.resp.RedisEndpoint endpoint, String what) {
        Duration timeout = settings.timeout();
        return Uni.createFrom().<T>deferred(() -> connection.get().chain(send))
                .ifNoItem().after(timeout).failWith(() -> new TimeoutException(what + " timed out after " + timeout))
                .onFailure(e -> !(e instanceof ErrorType)).invoke(evict)
                .onFailure(RemoteFailure::transientFailure).retry()
                .withBackOff(Duration.ofMillis(100), Duration.ofSeconds(2)).atMost(CALL_RETRIES)
                .onFailure(e -> !(e instanceof ErrorType)).transform(e -> RemoteFailure.describe(endpoint, what, e));
    }
}
