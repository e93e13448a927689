package io.df2redis.migration.rollback;

import io.df2redis.config.MigrationPaths;
import io.df2redis.migration.MigrationRuntime;
import io.df2redis.migration.engine.PipelineBusyException;
import io.df2redis.migration.engine.PipelineEngine;
import io.df2redis.state.StatusStore;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Optional;

/**
 * Starting plans in this service with the rollback rules: a rollback refused when there is nothing
 * to roll back, a running plan replaced by the rollback (the process that runs it stays until the
 * rollback ends, see {@link PipelineEngine#settled()}), and an unfinished rollback run before any
 * other plan. REST, the dashboard and the CLI come through here.
 */
@ApplicationScoped
public class RollbackService {

    /** How long the running plan gets to stop after the abort before the rollback starts. */
    static final Duration ABORT_WAIT = Duration.ofSeconds(10);

    private final PipelineEngine engine;
    private final StatusStore store;
    private final MigrationPaths paths;

    public RollbackService(PipelineEngine engine, StatusStore store, MigrationPaths paths) {
        this.engine = engine;
        this.store = store;
        this.paths = paths;
    }

    /** Why a rollback has nothing to do now, if so. */
    public Optional<String> nothingToRollBack() {
        return store.read(s -> RollbackCheck.nothingToRollBack(Optional.of(s), paths.statusFile().toString()));
    }

    /**
     * Starts the rollback, replacing a running plan (aborted, its checkpoint kept); completes once the
     * rollback runs. Fails with a {@link PipelineBusyException} (409) when there is nothing to roll
     * back or a rollback already runs.
     */
    public Uni<Void> start() {
        return Uni.createFrom().item(this::nothingToRollBack)
                .invoke(this::refuseIfNothing)
                .invoke(this::refuseIfRunning)
                .chain(ignored -> Uni.createFrom().completionStage(() -> engine.replaceWith(MigrationRuntime.ROLLBACK)))
                .ifNoItem().after(ABORT_WAIT).failWith(() -> new PipelineBusyException("the running plan did not stop within "
                        + ABORT_WAIT.toSeconds() + " s of the abort: try the rollback again"))
                // Starting a plan writes the status file: off the event loop.
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    /** The plan to run when {@code requested} is asked for: an unfinished rollback first. */
    public String planToRun(String requested) {
        return store.read(s -> RollbackCheck.planToRun(requested, Optional.of(s)));
    }

    private void refuseIfNothing(Optional<String> why) {
        why.ifPresent(reason -> {
            throw new PipelineBusyException(reason);
        });
    }

    private void refuseIfRunning(Optional<String> ignored) {
        if (engine.active() && MigrationRuntime.ROLLBACK.equals(store.read(s -> s.plan))) {
            throw new PipelineBusyException("a rollback is already running: follow it with df2redis status or GET /api/v1/migration");
        }
    }
}
