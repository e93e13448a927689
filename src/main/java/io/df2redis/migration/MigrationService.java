package io.df2redis.migration;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.df2redis.config.Secrets;
import io.df2redis.migration.cutover.CutoverControl;
import io.df2redis.migration.engine.PipelineBusyException;
import io.df2redis.migration.engine.PipelineEngine;
import io.df2redis.migration.rollback.RollbackService;
import io.df2redis.state.PipelineStatus;
import io.df2redis.state.StatusJson;
import io.df2redis.state.StatusStore;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;

/**
 * What an operator asks of the migration, with its rules: a start refused over a finished state
 * directory and preceded by an unfinished rollback, a resume that starts a blocked plan again once its
 * run has ended, a cutover advance only when a step waits for one. Each refusal is a
 * {@link PipelineBusyException} (409) that says what to do. The REST API comes through here.
 */
@ApplicationScoped
public class MigrationService {

    /** How long a blocked plan's run gets to end before a resume starts it again. */
    static final Duration BLOCKED_RUN_WAIT = Duration.ofSeconds(10);

    private final PipelineEngine engine;
    private final StatusStore store;
    private final DryRun dryRun;
    private final CutoverControl control;
    private final RollbackService rollback;
    private final FinishedStateDir finished;

    public MigrationService(PipelineEngine engine, StatusStore store, DryRun dryRun, CutoverControl control,
            RollbackService rollback, FinishedStateDir finished) {
        this.engine = engine;
        this.store = store;
        this.dryRun = dryRun;
        this.control = control;
        this.rollback = rollback;
        this.finished = finished;
    }

    /** The status as JSON, secrets masked. */
    public String maskedStatusJson() {
        try {
            return Secrets.mask(StatusJson.MAPPER.writeValueAsString(store.snapshot()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("status not serialisable", e);
        }
    }

    /** The status as a JSON tree of maps, secrets masked. */
    public Map<String, Object> maskedStatus() {
        try {
            return StatusJson.MAPPER.readValue(maskedStatusJson(), new TypeReference<Map<String, Object>>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("status not serialisable", e);
        }
    }

    /** Checks both sides and changes nothing. */
    public Uni<DryRun.Report> dryRun() {
        return dryRun.check();
    }

    /** Starts or continues the migration; an unfinished rollback runs first. */
    public void start() {
        finished.refusal().ifPresent(reason -> {
            throw new PipelineBusyException(reason);
        });
        // An unfinished rollback runs first: a migration must not start over a half-returned route.
        engine.start(rollback.planToRun(MigrationRuntime.MIGRATE));
    }

    public void pause() {
        engine.pause();
    }

    /** Resumes a paused plan, or starts a blocked one again from the stage that blocked. */
    public Uni<Void> resume() {
        if (!store.read(s -> s.status == PipelineStatus.BLOCKED)) {
            engine.resume();
            return Uni.createFrom().voidItem();
        }
        // The blocked status is written a moment before the run completes: wait for that moment.
        return Uni.createFrom().completionStage(engine.completion())
                .ifNoItem().after(BLOCKED_RUN_WAIT).failWith(() -> new PipelineBusyException("the blocked plan did not finish within "
                        + BLOCKED_RUN_WAIT.toSeconds() + " s: try the resume again"))
                // Starting a plan writes the status file: off the event loop.
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .invoke(() -> engine.start(store.read(s -> s.plan)))
                .replaceWithVoid();
    }

    /** Lets a waiting cutover step go on: the next read batch (cutover.auto off) or the end of cleanup's observation. */
    public void advanceCutover() {
        if (control.advance() == null) {
            throw new PipelineBusyException("no cutover step is waiting for an advance (with migrate.cutover.auto: false "
                    + "a read batch waits; during cleanup.observeFor the cleanup waits)");
        }
    }

    /** Starts the rollback plan (see {@link RollbackService#start()}). */
    public Uni<Void> rollback() {
        return rollback.start();
    }

    public void abort() {
        engine.abort();
    }
}
