package io.df2redis.migration.journal;

import io.df2redis.migration.engine.Checkpoints;
import io.df2redis.migration.engine.Stage;
import io.df2redis.migration.engine.StageContext;
import io.df2redis.migration.engine.StageResult;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Phase 6 of the migration model: starts the {@link JournalDrain}, which then runs in the background
 * until the cleanup or a rollback, and succeeds once the drain has caught up: its lag (the age of the
 * oldest journal record it has not applied) stayed at most {@code sync.readyLag} for
 * {@code sync.readyFor} while writers go on, however many records that is at the write rate.
 */
@ApplicationScoped
public class SyncStage implements Stage {

    private final JournalDrain drain;
    public SyncStage(JournalDrain drain) {
        this.drain = drain;
    }

    @Override
    public String name() {
        return "sync";
    }

    @Override
    public String description() {
        return "drain the dirty-key journal into the target; the drain goes on until the cutover";
    }

    @Override
    public Uni<StageResult> run(StageContext context) {
        return drain.ensureRunning(Checkpoints.number(context.checkpoint().get("applied")))
                .chain(() -> drain.caughtUp(context))
                .map(applied -> StageResult.succeeded("caught up at sequence " + applied + " (lag " + drain.lagMillis()
                        + " ms, backlog " + drain.backlog() + " records); the drain goes on in the background until the cutover"));
    }
}
