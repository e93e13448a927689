package io.df2redis.importer.scan;

import io.df2redis.config.MigrationConfig;
import io.df2redis.contract.cluster.HashSlot;
import io.df2redis.contract.meta.MetaKeys;
import io.df2redis.copy.KeyRecord;
import io.df2redis.copy.WriterSession;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The import side of the meta CAS guard (live migrations with {@code consistency.enableCas}): a key
 * whose {@code meta:{key}} on the target is newer than T0 was written through the proxy after the
 * baseline, so the target already has a value at least as new as the one the importer read; the
 * importer skips it. The check and the RESTORE are two calls: a write that lands in between is in
 * the journal, and the drain re-copies it. Only database 0 goes through the proxy, so only its keys
 * are checked.
 */
final class MetaGuard {

    static final MetaGuard OFF = new MetaGuard(false, "", "");

    private final boolean enabled;
    private final String metaPattern;
    private final String baselineKey;
    private final AtomicLong skipped = new AtomicLong();
    private volatile Long t0;

    MetaGuard(boolean enabled, String metaPattern, String baselineKey) {
        this.enabled = enabled;
        this.metaPattern = metaPattern;
        this.baselineKey = baselineKey;
    }

    static MetaGuard from(MigrationConfig config) {
        boolean live = config.migrate().mode() == MigrationConfig.Mode.LIVE;
        return live && config.consistency().enableCas()
                ? new MetaGuard(true, config.consistency().metaKeyPattern(), config.consistency().baselineTsKey())
                : OFF;
    }

    long skipped() {
        return skipped.get();
    }

    /** The records to write: those whose meta time on the target is not newer than T0. */
    Uni<List<KeyRecord>> filter(WriterSession session, int db, List<KeyRecord> records) {
        if (!enabled || db != 0 || records.isEmpty()) {
            return Uni.createFrom().item(records);
        }
        return baseline(session)
                .chain(baseline -> baseline == null
                        ? Uni.createFrom().item(records)
                        : Uni.join().all(records.stream().map(record -> metaTime(session, record)).toList()).andFailFast()
                                .map(times -> keepOlder(records, times, baseline)));
    }

    private List<KeyRecord> keepOlder(List<KeyRecord> records, List<Long> times, long baseline) {
        List<KeyRecord> kept = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            if (times.get(i) > baseline) {
                skipped.incrementAndGet();
            } else {
                kept.add(records.get(i));
            }
        }
        return kept;
    }

    private Uni<Long> baseline(WriterSession session) {
        if (t0 != null) {
            return Uni.createFrom().item(t0);
        }
        byte[] key = baselineKey.getBytes(StandardCharsets.UTF_8);
        return session.targetCall(0, HashSlot.of(key), Request.cmd(Command.GET).arg(key), "GET " + baselineKey)
                .map(reply -> reply == null ? null : Long.parseLong(reply.toString()))
                .invoke(value -> t0 = value);
    }

    private Uni<Long> metaTime(WriterSession session, KeyRecord record) {
        byte[] meta = metaKey(record.key());
        return session.targetCall(0, HashSlot.of(meta), Request.cmd(Command.GET).arg(meta), "GET meta key")
                .map(MetaGuard::time);
    }

    private static long time(Response reply) {
        if (reply == null) {
            return Long.MIN_VALUE;
        }
        try {
            return Long.parseLong(reply.toString());
        } catch (NumberFormatException e) {
            return Long.MIN_VALUE;
        }
    }

    byte[] metaKey(byte[] key) {
        return MetaKeys.metaKey(metaPattern, key);
    }
}
