package io.df2redis.copy;

import io.df2redis.config.MigrationConfig.ConflictPolicy;
import io.df2redis.contract.cluster.HashSlot;
import io.df2redis.resp.CursorGuard;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.impl.types.ErrorType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Copies one key by value: read from the source with its type's commands in chunks (HSCAN, SSCAN,
 * ZSCAN, LRANGE ranges, XRANGE pages, GETRANGE), written into a temporary key on the key's slot, which
 * then replaces the real key with RENAME (RENAMENX unless {@code conflictPolicy: replace}) and gets its
 * expiry. Memory is one chunk. Used when the target refuses a DUMP payload and for big keys.
 *
 * <p>The temporary key expires by itself ({@link #SAFETY_TTL_MS}, renewed after every chunk) so that an
 * interrupted copy leaves nothing behind for long; the final PEXPIREAT or PERSIST replaces that TTL.
 */
public final class ByValueCopy {

    static final long SAFETY_TTL_MS = 3_600_000;

    private final WriterSession session;
    private final int db;
    private final KeyRecord record;
    private final boolean fallback;
    private final WriteReport report;
    private final int slot;
    private final byte[] key;
    private final String temp;
    private final int chunk;

    ByValueCopy(WriterSession session, int db, KeyRecord record, boolean fallback, WriteReport report) {
        this.session = session;
        this.db = db;
        this.record = record;
        this.fallback = fallback;
        this.report = report;
        this.key = record.key();
        this.slot = HashSlot.of(key);
        this.temp = session.writer().tempKey(slot);
        this.chunk = session.settings().chunkElements();
    }

    /** Copies the key; the outcome goes into the report. */
    Uni<Void> run() {
        return source(Request.cmd(Command.TYPE).arg(key), "TYPE")
                .map(Response::toString)
                .chain(this::copyIfPresent)
                .onFailure(ErrorType.class).recoverWithUni(this::refused);
    }

    private Uni<Void> copyIfPresent(String type) {
        if ("none".equals(type)) {
            report.addSkippedGone();
            return Uni.createFrom().voidItem();
        }
        return targetFree()
                .chain(free -> free ? copy(type) : conflict());
    }

    /** With {@code replace} the key is overwritten anyway; otherwise a key already there is not copied at all. */
    private Uni<Boolean> targetFree() {
        if (session.settings().conflictPolicy() == ConflictPolicy.REPLACE) {
            return Uni.createFrom().item(true);
        }
        return target(Request.cmd(Command.EXISTS).arg(key), "EXISTS")
                .map(exists -> exists.toLong() == 0);
    }

    private Uni<Void> conflict() {
        session.conflict(db, record, report);
        return Uni.createFrom().voidItem();
    }

    private Uni<Void> copy(String type) {
        Uni<Void> copied = switch (type) {
            case "string" -> copyString();
            case "hash" -> copyScanned("HSCAN", Command.HSCAN, Command.HSET, false);
            case "set" -> copyScanned("SSCAN", Command.SSCAN, Command.SADD, false);
            case "zset" -> copyScanned("ZSCAN", Command.ZSCAN, Command.ZADD, true);
            case "list" -> copyList();
            case "stream" -> copyStream();
            default -> null;
        };
        if (copied == null) {
            report.addFailure(new KeyFailure(key, db, "type " + type + " cannot be copied by value"
                    + (fallback ? " and the target refused its DUMP payload" : "")));
            return Uni.createFrom().voidItem();
        }
        return copied
                .chain(this::replaceRealKey)
                .chain(placed -> placed ? expire().invoke(() -> counted(type)) : dropTemp().chain(this::conflict));
    }

    private void counted(String type) {
        report.addCopied(record.payloadBytes());
        if (fallback) {
            report.addFallback(type);
        } else {
            report.addBigKey();
        }
    }

    // ---- strings: GETRANGE chunks, SET then APPEND ----

    private Uni<Void> copyString() {
        long[] offset = {0};
        int bytes = session.settings().chunkBytes();
        return source(Request.cmd(Command.STRLEN).arg(key), "STRLEN")
                .map(Response::toLong)
                .chain(length -> loop(() -> source(Request.cmd(Command.GETRANGE).arg(key).arg(offset[0]).arg(offset[0] + bytes - 1), "GETRANGE")
                        .chain(part -> writeChunk(Request.cmd(offset[0] == 0 ? Command.SET : Command.APPEND).arg(temp).arg(part.toBytes())))
                        .map(written -> {
                            offset[0] += bytes;
                            return offset[0] < length;
                        })));
    }

    // ---- hashes, sets, sorted sets: cursor scans ----

    private Uni<Void> copyScanned(String name, Command scan, Command add, boolean scoreFirst) {
        String[] cursor = {"0"};
        CursorGuard guard = new CursorGuard(session.writer().source().endpoint(), name);
        return loop(() -> source(Request.cmd(scan).arg(key).arg(cursor[0]).arg("COUNT").arg(chunk), name)
                .chain(reply -> {
                    String next = guard.check(cursor[0], reply.get(0).toString());
                    cursor[0] = next;
                    Request write = Request.cmd(add).arg(temp);
                    Response items = reply.get(1);
                    if (scoreFirst) {
                        // ZSCAN answers member, score; ZADD takes score, member.
                        for (int i = 0; i + 1 < items.size(); i += 2) {
                            write.arg(items.get(i + 1).toBytes()).arg(items.get(i).toBytes());
                        }
                    } else {
                        items.forEach(item -> write.arg(item.toBytes()));
                    }
                    Uni<Void> written = items.size() == 0 ? Uni.createFrom().voidItem() : writeChunk(write);
                    return written.map(done -> !"0".equals(next));
                }));
    }

    // ---- lists: LRANGE ranges, RPUSH ----

    private Uni<Void> copyList() {
        long[] start = {0};
        return loop(() -> source(Request.cmd(Command.LRANGE).arg(key).arg(start[0]).arg(start[0] + chunk - 1), "LRANGE")
                .chain(items -> {
                    start[0] += items.size();
                    if (items.size() == 0) {
                        return Uni.createFrom().item(false);
                    }
                    Request push = Request.cmd(Command.RPUSH).arg(temp);
                    items.forEach(item -> push.arg(item.toBytes()));
                    return writeChunk(push).map(done -> items.size() == chunk);
                }));
    }

    // ---- streams: XRANGE pages, XADD with the same IDs, then last ID and consumer groups ----

    private Uni<Void> copyStream() {
        String[] start = {"-"};
        boolean[] any = {false};
        return loop(() -> source(Request.cmd(Command.XRANGE).arg(key).arg(start[0]).arg("+").arg("COUNT").arg(chunk), "XRANGE")
                .chain(entries -> {
                    if (entries.size() == 0) {
                        return Uni.createFrom().item(false);
                    }
                    any[0] = true;
                    List<Uni<Response>> adds = new ArrayList<>(entries.size());
                    String last = null;
                    for (Response entry : entries) {
                        last = entry.get(0).toString();
                        Request add = Request.cmd(Command.XADD).arg(temp).arg(last);
                        entry.get(1).forEach(part -> add.arg(part.toBytes()));
                        adds.add(target(add, "XADD"));
                    }
                    start[0] = nextStreamId(last);
                    return Uni.join().all(adds).andFailFast()
                            .chain(() -> target(Request.cmd(Command.PEXPIRE).arg(temp).arg(SAFETY_TTL_MS), "PEXPIRE"))
                            .map(done -> entries.size() == chunk);
                }))
                .chain(() -> any[0] ? Uni.createFrom().voidItem() : createEmptyStream())
                .chain(this::copyStreamState);
    }

    private Uni<Void> createEmptyStream() {
        return target(Request.cmd(Command.XGROUP).arg("CREATE").arg(temp).arg("df2redis-tmp").arg("0").arg("MKSTREAM"), "XGROUP CREATE")
                .chain(() -> target(Request.cmd(Command.XGROUP).arg("DESTROY").arg(temp).arg("df2redis-tmp"), "XGROUP DESTROY"))
                .chain(() -> target(Request.cmd(Command.PEXPIRE).arg(temp).arg(SAFETY_TTL_MS), "PEXPIRE"))
                .replaceWithVoid();
    }

    /**
     * The stream's last generated ID and its consumer groups: each group at its last-delivered ID, its
     * consumers, and its pending entries (owner, delivery count and idle time), so that a consumer group
     * continues on the target where it was (no entry delivered twice, none lost from the pending list).
     */
    private Uni<Void> copyStreamState() {
        return source(Request.cmd(Command.XINFO).arg("STREAM").arg(key), "XINFO STREAM")
                .chain(info -> target(Request.cmd(Command.XSETID).arg(temp).arg(field(info, "last-generated-id").toString()), "XSETID"))
                .chain(() -> source(Request.cmd(Command.XINFO).arg("GROUPS").arg(key), "XINFO GROUPS"))
                .chain(groups -> {
                    List<byte[]> names = new ArrayList<>();
                    groups.forEach(group -> names.add(field(group, "name").toBytes()));
                    return Multi.createFrom().iterable(groups)
                            .onItem().transformToUniAndConcatenate(group -> target(Request.cmd(Command.XGROUP).arg("CREATE").arg(temp)
                                    .arg(field(group, "name").toBytes()).arg(field(group, "last-delivered-id").toString()), "XGROUP CREATE"))
                            .onItem().ignoreAsUni()
                            .chain(() -> Multi.createFrom().iterable(names)
                                    .onItem().transformToUniAndConcatenate(name -> copyConsumers(name).chain(() -> copyPending(name)))
                                    .onItem().ignoreAsUni());
                });
    }

    /** The group's consumers, those without pending entries too ({@code XGROUP CREATECONSUMER}). */
    private Uni<Void> copyConsumers(byte[] group) {
        return source(Request.cmd(Command.XINFO).arg("CONSUMERS").arg(key).arg(group), "XINFO CONSUMERS")
                .chain(consumers -> {
                    List<Uni<Response>> creates = new ArrayList<>();
                    for (Response consumer : consumers) {
                        creates.add(target(Request.cmd(Command.XGROUP).arg("CREATECONSUMER").arg(temp).arg(group)
                                .arg(field(consumer, "name").toBytes()), "XGROUP CREATECONSUMER"));
                    }
                    return creates.isEmpty() ? Uni.createFrom().voidItem() : Uni.join().all(creates).andFailFast().replaceWithVoid();
                });
    }

    /**
     * The group's pending entries, a page of {@code XPENDING} at a time, each claimed on the target by its
     * consumer ({@code XCLAIM ... IDLE <idle> RETRYCOUNT <deliveries> FORCE JUSTID}). A pending entry that is
     * no longer in the stream (deleted) cannot be claimed and is left out, as Redis would leave it unreadable.
     */
    private Uni<Void> copyPending(byte[] group) {
        String[] start = {"-"};
        return loop(() -> source(Request.cmd(Command.XPENDING).arg(key).arg(group).arg(start[0]).arg("+").arg(chunk), "XPENDING")
                .chain(entries -> {
                    if (entries.size() == 0) {
                        return Uni.createFrom().item(false);
                    }
                    List<Uni<Response>> claims = new ArrayList<>(entries.size());
                    String last = null;
                    for (Response entry : entries) {
                        last = entry.get(0).toString();
                        claims.add(target(Request.cmd(Command.XCLAIM).arg(temp).arg(group).arg(entry.get(1).toBytes()).arg(0).arg(last)
                                .arg("IDLE").arg(entry.get(2).toLong()).arg("RETRYCOUNT").arg(entry.get(3).toLong())
                                .arg("FORCE").arg("JUSTID"), "XCLAIM"));
                    }
                    start[0] = nextStreamId(last);
                    return Uni.join().all(claims).andFailFast().map(done -> entries.size() == chunk);
                }));
    }

    static String nextStreamId(String id) {
        int dash = id.indexOf('-');
        long ms = Long.parseLong(id.substring(0, dash));
        long seq = Long.parseUnsignedLong(id.substring(dash + 1));
        return seq == -1L ? Long.toUnsignedString(ms + 1) + "-0" : ms + "-" + Long.toUnsignedString(seq + 1);
    }

    /** A field of a RESP3 map or of a RESP2 flat name/value array. */
    private static Response field(Response reply, String name) {
        if (reply.getKeys() != null && !reply.getKeys().isEmpty()) {
            return reply.get(name);
        }
        for (int i = 0; i + 1 < reply.size(); i += 2) {
            if (name.equals(reply.get(i).toString())) {
                return reply.get(i + 1);
            }
        }
        throw new IllegalStateException("the source's reply has no " + name);
    }

    // ---- the end: temp key over the real key, then the expiry ----

    private Uni<Boolean> replaceRealKey() {
        if (session.settings().conflictPolicy() == ConflictPolicy.REPLACE) {
            return target(Request.cmd(Command.RENAME).arg(temp).arg(key), "RENAME")
                    .map(ok -> true);
        }
        return target(Request.cmd(Command.RENAMENX).arg(temp).arg(key), "RENAMENX")
                .map(renamed -> renamed.toLong() == 1);
    }

    private Uni<Void> expire() {
        Request expiry = record.expires()
                ? Request.cmd(Command.PEXPIREAT).arg(key).arg(record.expireAtMs())
                : Request.cmd(Command.PERSIST).arg(key);
        return target(expiry, expiry.command().toString())
                .replaceWithVoid();
    }

    private Uni<Void> dropTemp() {
        return target(Request.cmd(Command.DEL).arg(temp), "DEL")
                .replaceWithVoid();
    }

    /**
     * An error reply while copying: the key changed type on the source mid-copy (journal sync copies it
     * again) or the target refused a command. The temporary key is dropped either way.
     */
    private Uni<Void> refused(Throwable error) {
        String message = String.valueOf(error.getMessage());
        if (message.startsWith("WRONGTYPE")) {
            report.addSkippedGone();
        } else {
            report.addFailure(new KeyFailure(key, db, "copy by value failed: " + message));
        }
        return dropTemp()
                .onFailure(ErrorType.class).recoverWithNull();
    }

    // ---- helpers ----

    private Uni<Void> writeChunk(Request write) {
        return target(write, write.command().toString())
                .chain(() -> target(Request.cmd(Command.PEXPIRE).arg(temp).arg(SAFETY_TTL_MS), "PEXPIRE"))
                .replaceWithVoid();
    }

    private Uni<Response> source(Request request, String what) {
        return session.sourceCall(db, request, what + " " + printable(key));
    }

    private Uni<Response> target(Request request, String what) {
        return session.targetCall(db, slot, request, what);
    }

    private static Uni<Void> loop(Supplier<Uni<? extends Boolean>> step) {
        return Multi.createBy().repeating()
                .uni(step)
                .whilst(more -> more)
                .onItem().ignoreAsUni();
    }

    public static String printable(byte[] key) {
        String text = new String(key, StandardCharsets.UTF_8);
        return text.length() > 80 ? text.substring(0, 80) + "..." : text;
    }
}
