package io.df2redis.migration.journal;

import io.df2redis.config.MigrationConfig;
import io.df2redis.migration.engine.Checkpoints;
import io.df2redis.migration.engine.Stage;
import io.df2redis.migration.engine.StageContext;
import io.df2redis.migration.engine.StageResult;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/**
 * Phase 6 of the migration model: starts the {@link JournalDrain}, which then runs in the background
 * until the cleanup or a rollback, and succeeds once the drain has caught up: the backlog stayed
 * at most {@code sync.readyBacklog} records for {@code sync.readyFor} while writers go on.
 */
@ApplicationScoped
public class SyncStage implements Stage {

    private static final Duration POLL = Duration.ofMillis(200);

    private final JournalDrain drain;
    private final MigrationConfig config;

    public SyncStage(JournalDrain drain, MigrationConfig config) {
        this.drain = drain;
        this.config = config;
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
        CaughtUp watch = new CaughtUp(context);
        return drain.ensureRunning(Checkpoints.number(context.checkpoint().get("applied")))
                .chain(() -> Multi.createBy().repeating().uni(watch::look)
                        .until(caughtUp -> caughtUp)
                        .collect().last())
                .map(done -> StageResult.succeeded("caught up at sequence " + drain.applied() + " (backlog "
                        + drain.backlog() + " records); the drain goes on in the background until the cutover"));
    }

    /** Watches the backlog; true once it stayed small long enough. */
    private final class CaughtUp {
        final StageContext context;
        long smallSince;

        CaughtUp(StageContext context) {
            this.context = context;
        }

        Uni<Boolean> look() {
            if (context.cancelled()) {
                return Uni.createFrom().failure(new java.util.concurrent.CancellationException("sync cancelled"));
            }
            if (!drain.running()) {
                return Uni.createFrom().failure(new IllegalStateException("the journal drain stopped: " + drain.lastError()));
            }
            return Uni.createFrom().item(drain::readHead)
                    // Journal files: off the event loop.
                    .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                    .map(head -> {
                        long backlog = drain.backlog();
                        context.progress(drain.applied(), head, "journal records");
                        long now = System.currentTimeMillis();
                        if (backlog > config.sync().readyBacklog()) {
                            smallSince = 0;
                            return false;
                        }
                        if (smallSince == 0) {
                            smallSince = now;
                        }
                        return now - smallSince >= config.sync().readyFor().toMillis();
                    })
                    .chain(ready -> ready ? Uni.createFrom().item(true)
                            : Uni.createFrom().item(false).onItem().delayIt().by(POLL));
        }
    }
}
