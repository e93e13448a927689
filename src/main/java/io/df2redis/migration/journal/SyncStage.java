package io.df2redis.migration.journal;

import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationPaths;
import io.df2redis.importer.HashSlot;
import io.df2redis.importer.KeyReads;
import io.df2redis.importer.TargetWriter;
import io.df2redis.importer.WriterSession;
import io.df2redis.importer.WriterSettings;
import io.df2redis.migration.engine.Checkpoints;
import io.df2redis.migration.engine.Stage;
import io.df2redis.migration.engine.StageContext;
import io.df2redis.migration.engine.StageResult;
import io.df2redis.resp.RedisEndpoints;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Phase 6 of the migration model: drains the dirty-key journal. For each batch of intents after the
 * applied sequence, the keys (deduplicated) are read from the authoritative side (DUMP + PTTL) and
 * written to the other (RESTORE ... REPLACE keeping the TTL, or DEL when the key is gone) through the
 * importer's writer; then the applied sequence is checkpointed and fully applied segments deleted.
 * A drain reads the source only after the record it handles was written, so a later write always
 * leaves a later record (invariant I1). The stage succeeds once every batch has stayed under
 * {@value #READY_BACKLOG} intents for {@value #CAUGHT_UP_MILLIS} ms (caught up while writers go on).
 */
@ApplicationScoped
public class SyncStage implements Stage {

    static final int BATCH = 1000;
    static final long CAUGHT_UP_MILLIS = 2000;
    /** A batch this small counts as caught up: writers may go on while the drain keeps pace. */
    static final int READY_BACKLOG = 100;
    private static final Duration IDLE_POLL = Duration.ofMillis(100);

    private final RedisEndpoints redis;
    private final MigrationConfig config;
    private final MigrationPaths paths;

    public SyncStage(RedisEndpoints redis, MigrationConfig config, MigrationPaths paths) {
        this.redis = redis;
        this.config = config;
        this.paths = paths;
    }

    @Override
    public String name() {
        return "sync";
    }

    @Override
    public String description() {
        return "drain the dirty-key journal into the target until it is caught up";
    }

    @Override
    public Uni<StageResult> run(StageContext context) {
        Drain drain = new Drain(context, new JournalReader(paths.walDir()), Checkpoints.number(context.checkpoint().get("applied")));
        TargetWriter writer = new TargetWriter(redis.source().withPoolSize(4), redis.target().withPoolSize(4), redis::targetNode,
                WriterSettings.from(config).withConflictPolicy(MigrationConfig.ConflictPolicy.REPLACE));
        return writer.open()
                .chain(() -> {
                    WriterSession session = writer.session();
                    return Multi.createBy().repeating().uni(() -> drain.step(session))
                            .until(caughtUp -> caughtUp)
                            .collect().last()
                            .eventually(session::close);
                })
                .map(done -> StageResult.succeeded("journal drained to sequence " + drain.applied + ": " + drain.keys
                        + " dirty keys copied, " + drain.deleted + " deleted on the target; caught up"));
    }

    private final class Drain {
        final StageContext context;
        final JournalReader reader;
        long applied;
        long keys;
        long deleted;
        long idleSince;

        Drain(StageContext context, JournalReader reader, long applied) {
            this.context = context;
            this.reader = reader;
            this.applied = applied;
        }

        /** One batch; true once the journal has stayed empty long enough. */
        Uni<Boolean> step(WriterSession session) {
            if (context.cancelled()) {
                return Uni.createFrom().failure(new java.util.concurrent.CancellationException("sync cancelled"));
            }
            return Uni.createFrom().item(() -> read())
                    // Journal files: off the event loop.
                    .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                    .chain(batch -> batch.empty() ? caughtUp(0)
                            : apply(session, batch).chain(() -> batch.intents() <= READY_BACKLOG ? caughtUp(batch.intents())
                                    : notCaughtUp(batch.intents())));
        }

        private JournalReader.Batch read() {
            try {
                return reader.next(applied, BATCH);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the journal in " + paths.walDir() + ": " + e.getMessage(), e);
            }
        }

        private Uni<Boolean> caughtUp(int backlog) {
            long now = System.currentTimeMillis();
            if (idleSince == 0) {
                idleSince = now;
            }
            context.metric("sync_backlog_records", backlog);
            if (backlog == 0) {
                context.metric("sync_lag_ms", 0);
            }
            if (now - idleSince >= CAUGHT_UP_MILLIS) {
                return Uni.createFrom().item(true);
            }
            return Uni.createFrom().item(false).onItem().delayIt().by(IDLE_POLL);
        }

        private Uni<Boolean> notCaughtUp(int backlog) {
            idleSince = 0;
            context.metric("sync_backlog_records", backlog);
            return Uni.createFrom().item(false);
        }

        private Uni<Void> apply(WriterSession session, JournalReader.Batch batch) {
            Map<Integer, List<byte[]>> byDb = new TreeMap<>();
            batch.keys().forEach(k -> byDb.computeIfAbsent(k.db(), db -> new ArrayList<>()).add(k.key()));
            context.metric("sync_lag_ms", Math.max(0, System.currentTimeMillis() - batch.oldestMillis()));
            return Multi.createFrom().iterable(byDb.entrySet())
                    .onItem().transformToUniAndConcatenate(entry -> copy(session, entry.getKey(), entry.getValue()))
                    .onItem().ignoreAsUni()
                    .chain(() -> context.saveCheckpoint(Map.of("applied", batch.lastSeq())))
                    .invoke(() -> {
                        applied = batch.lastSeq();
                        context.metric("sync_applied_seq", applied);
                        context.metric("sync_keys_copied", keys);
                        context.progress(applied, null, "journal records");
                    })
                    .chain(() -> Uni.createFrom().item(() -> prune())
                            .runSubscriptionOn(Infrastructure.getDefaultWorkerPool()))
                    .replaceWithVoid();
        }

        private Uni<Void> copy(WriterSession session, int db, List<byte[]> dirty) {
            return KeyReads.read(session, db, dirty, false)
                    .chain(read -> session.write(db, read.records())
                            .invoke(report -> keys += read.records().size())
                            .chain(() -> deleteGone(session, db, read.gone())));
        }

        private Uni<Void> deleteGone(WriterSession session, int db, List<byte[]> gone) {
            if (gone.isEmpty()) {
                return Uni.createFrom().voidItem();
            }
            return Multi.createFrom().iterable(gone)
                    .onItem().transformToUniAndConcatenate(key -> session.targetCall(db, HashSlot.of(key),
                            Request.cmd(Command.DEL).arg(key), "DEL"))
                    .onItem().ignoreAsUni()
                    .invoke(() -> deleted += gone.size());
        }

        private int prune() {
            try {
                return reader.deleteApplied(applied);
            } catch (IOException e) {
                context.warn("cannot delete applied journal segments: " + e.getMessage());
                return 0;
            }
        }
    }
}
