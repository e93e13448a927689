package io.df2redis.importer;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.impl.types.ErrorType;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads keys from the source for a copy: the expiry then the DUMP of each key, pipelined in rounds.
 * Shared by the importers and the journal drain.
 */
public final class KeyReads {

    static final int READ_ROUND = 512;

    private KeyReads() {
    }

    /**
     * What the source held: the keys to write, the keys that are gone (deleted or expired since they
     * were listed), and the keys the source refused to DUMP.
     */
    public record Result(List<KeyRecord> records, List<byte[]> gone, List<KeyFailure> failures) {
    }

    public static Uni<Result> read(WriterSession session, int db, List<byte[]> keys, boolean absoluteExpiry) {
        List<List<byte[]>> rounds = new ArrayList<>();
        for (int from = 0; from < keys.size(); from += READ_ROUND) {
            rounds.add(keys.subList(from, Math.min(keys.size(), from + READ_ROUND)));
        }
        Result read = new Result(new ArrayList<>(keys.size()), new ArrayList<>(), new ArrayList<>());
        return Multi.createFrom().iterable(rounds)
                .onItem().transformToUniAndConcatenate(round -> readRound(session, db, round, read, absoluteExpiry))
                .onItem().ignoreAsUni()
                .replaceWith(read);
    }

    /**
     * The expiry then the DUMP of each key, all in one pipelined write. A key whose expiry reads -2 (or whose
     * DUMP is nil) expired or was deleted since it was listed. The expiry is read with PEXPIRETIME when the
     * source has it (an absolute time: exact). Otherwise PTTL's relative TTL is counted from the moment the
     * round went out; the TTLs come first in the round so that the source answers them at once, before any
     * slow DUMP of a big key: the copy never outlives the original and expires earlier by no more than the
     * time the round took to reach the source. An error reply fails the whole pipelined round; the round is
     * then read key by key so that only the keys at fault fail.
     */
    private static Uni<Void> readRound(WriterSession session, int db, List<byte[]> keys, Result read, boolean absoluteExpiry) {
        return session.sourceBatch(db, expiryAndDump(keys, absoluteExpiry), "DUMP db" + db)
                .invoke(replies -> collect(keys, replies, read, absoluteExpiry))
                .replaceWithVoid()
                .onFailure(ErrorType.class).recoverWithUni(() -> readOneByOne(session, db, keys, read, absoluteExpiry));
    }

    private static Uni<Void> readOneByOne(WriterSession session, int db, List<byte[]> keys, Result read, boolean absoluteExpiry) {
        return Multi.createFrom().iterable(keys)
                .onItem().transformToUniAndConcatenate(key -> readOne(session, db, key, read, absoluteExpiry))
                .onItem().ignoreAsUni();
    }

    private static Uni<Void> readOne(WriterSession session, int db, byte[] key, Result read, boolean absoluteExpiry) {
        return session.sourceBatch(db, expiryAndDump(List.of(key), absoluteExpiry), "DUMP db" + db)
                .invoke(replies -> collect(List.of(key), replies, read, absoluteExpiry))
                .replaceWithVoid()
                .onFailure(ErrorType.class).recoverWithItem(error -> {
                    read.failures().add(new KeyFailure(key, db, "the source refused DUMP: " + error.getMessage()));
                    return null;
                });
    }

    private static List<Request> expiryAndDump(List<byte[]> keys, boolean absoluteExpiry) {
        List<Request> requests = new ArrayList<>(keys.size() * 2);
        Command expiry = absoluteExpiry ? Command.PEXPIRETIME : Command.PTTL;
        for (byte[] key : keys) {
            requests.add(Request.cmd(expiry).arg(key));
        }
        for (byte[] key : keys) {
            requests.add(Request.cmd(Command.DUMP).arg(key));
        }
        return requests;
    }

    private static void collect(List<byte[]> keys, WriterSession.TimedReplies timed, Result read, boolean absoluteExpiry) {
        List<Response> replies = timed.replies();
        for (int i = 0; i < keys.size(); i++) {
            long expiry = replies.get(i).toLong();
            Response payload = replies.get(keys.size() + i);
            if (payload == null || expiry == -2) {
                read.gone().add(keys.get(i));
                continue;
            }
            long expireAt;
            if (expiry == -1) {
                expireAt = KeyRecord.NO_EXPIRY;
            } else if (absoluteExpiry) {
                expireAt = Math.max(1, expiry);
            } else {
                expireAt = timed.sentAtMs() + Math.max(1, expiry);
            }
            read.records().add(new KeyRecord(keys.get(i), payload.toBytes(), expireAt, null));
        }
    }
}
