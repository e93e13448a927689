package io.df2redis.migration.engine;

import io.df2redis.state.EventHub;
import io.df2redis.state.PipelineStatus;
import io.df2redis.state.StageState;
import io.df2redis.state.StageStatus;
import io.df2redis.state.StatusStore;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.subscription.Cancellable;
import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * Runs a plan (an ordered list of stage names) as one Mutiny pipeline: per-stage timeout and
 * bounded retry, pause and resume between stages, abort that cancels the running stage, and
 * resume after a restart (stages already succeeded are not run again; an interrupted stage starts
 * from its checkpoint). Every change goes through the {@link EventHub}.
 */
public class PipelineEngine {

    private final StageRegistry registry;
    private final StatusStore store;
    private final EventHub events;
    private final EngineSettings settings;

    private CompletableFuture<PipelineOutcome> completion = CompletableFuture.completedFuture(null);
    private Cancellable running;
    private boolean pauseRequested;
    private CompletableFuture<Void> resumeSignal;
    private volatile StageRun current;
    /** The plan to start when the running one has ended (a rollback that replaces a migration), with its start signal. */
    private String successor;
    private CompletableFuture<Void> successorStarted;
    /** Completes when a run ends that no other plan follows: what a process running plans waits for. */
    private CompletableFuture<PipelineOutcome> settled = CompletableFuture.completedFuture(null);

    public PipelineEngine(StageRegistry registry, StatusStore store, EventHub events, EngineSettings settings) {
        this.registry = registry;
        this.store = store;
        this.events = events;
        this.settings = settings;
        markInterruptedRun();
    }

    /** True while a plan runs (also while it is paused). */
    public synchronized boolean active() {
        return !completion.isDone();
    }

    /** The outcome of the current or last run. */
    public synchronized CompletableFuture<PipelineOutcome> completion() {
        return completion;
    }

    /**
     * The outcome of the last plan of this run: unlike {@link #completion()}, a plan aborted to make
     * way for another ({@link #replaceWith}) does not complete it; the plan that follows does.
     */
    public synchronized CompletableFuture<PipelineOutcome> settled() {
        return settled;
    }

    /**
     * Starts {@code plan}; when another plan runs, aborts it first (its checkpoint kept) and starts
     * {@code plan} once it has ended, so that {@link #settled()} stays pending from one to the other.
     * The returned future completes when {@code plan} has started, or fails with why it could not.
     */
    public synchronized CompletableFuture<Void> replaceWith(String plan) {
        registry.plan(plan);
        if (!active()) {
            start(plan);
            return CompletableFuture.completedFuture(null);
        }
        if (successor != null) {
            throw new PipelineBusyException("the " + successor + " plan is already about to start");
        }
        successor = plan;
        successorStarted = new CompletableFuture<>();
        CompletableFuture<Void> started = successorStarted;
        abort();
        return started;
    }

    /** True when the status file shows a run that a dead process left behind. */
    public boolean interrupted() {
        return store.read(s -> s.status == PipelineStatus.INTERRUPTED);
    }

    /**
     * Starts (or continues) a plan in the background and returns its outcome.
     *
     * @throws PipelineBusyException when a plan is already running
     */
    public synchronized CompletableFuture<PipelineOutcome> start(String plan) {
        if (active()) {
            throw new PipelineBusyException("a migration is already running (" + store.read(s -> s.plan)
                    + "): pause, resume or abort it, or wait until it ends");
        }
        List<String> names = registry.plan(plan);
        pauseRequested = false;
        resumeSignal = null;
        completion = new CompletableFuture<>();
        if (settled.isDone()) {
            settled = new CompletableFuture<>();
        }
        CompletableFuture<PipelineOutcome> outcome = completion;
        boolean continuing = store.read(s -> plan.equals(s.plan) && s.status != PipelineStatus.IDLE);
        store.update(s -> {
            s.plan = plan;
            s.status = PipelineStatus.RUNNING;
            s.message = "running " + plan;
            if (s.startedAt == null || !continuing) {
                s.startedAt = Instant.now();
            }
            s.finishedAt = null;
            for (String name : names) {
                s.stageOrCreate(name);
            }
        });
        events.emit(continuing ? "pipeline.resumed" : "pipeline.started", null,
                (continuing ? "continuing plan " : "starting plan ") + plan + ": " + String.join(" -> ", names),
                Map.of("plan", plan, "stages", names));
        running = runFrom(names, 0)
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .subscribe().with(this::finish, failure -> finish(new PipelineOutcome(PipelineStatus.FAILED,
                        "engine error: " + failure.getMessage(), null)));
        return outcome;
    }

    /** Asks the pipeline to pause before its next stage. */
    public synchronized void pause() {
        if (!active()) {
            throw new PipelineBusyException("no migration is running: nothing to pause");
        }
        if (pauseRequested) {
            return;
        }
        pauseRequested = true;
        store.update(s -> {
            s.status = PipelineStatus.PAUSING;
            s.message = "pausing after the running stage";
        });
        events.emit("pipeline.pausing", null, "pause requested: the pipeline stops before its next stage");
    }

    /** Lets a paused (or pausing) pipeline go on. */
    public synchronized void resume() {
        if (!active() || !pauseRequested) {
            throw new PipelineBusyException("the migration is not paused: nothing to resume");
        }
        pauseRequested = false;
        store.update(s -> {
            s.status = PipelineStatus.RUNNING;
            s.message = "running " + s.plan;
        });
        events.emit("pipeline.resumed", null, "resumed by operator");
        if (resumeSignal != null) {
            resumeSignal.complete(null);
            resumeSignal = null;
        }
    }

    /** Cancels the running stage and ends the run; the stage keeps its checkpoint for a later start. */
    public synchronized void abort() {
        if (!active()) {
            throw new PipelineBusyException("no migration is running: nothing to abort");
        }
        StageRun run = current;
        if (run != null) {
            run.cancel();
        }
        if (running != null) {
            running.cancel();
        }
        if (resumeSignal != null) {
            resumeSignal.cancel(false);
        }
        String stage = run == null ? null : run.stage();
        if (stage != null) {
            store.update(s -> {
                StageState state = s.stageOrCreate(stage);
                state.status = StageStatus.FAILED;
                state.message = "aborted by operator (checkpoint kept: a new start continues from it)";
                state.finishedAt = Instant.now();
            });
        }
        events.emit("pipeline.aborted", stage, "aborted by operator" + (stage == null ? "" : " during " + stage));
        finish(new PipelineOutcome(PipelineStatus.ABORTED, "aborted by operator", stage));
    }

    /**
     * The service is stopping: cancels the running stage and records the run as interrupted, so
     * that the next start continues from the stage's checkpoint.
     */
    public void shutdown() {
        StageRun run;
        CompletableFuture<PipelineOutcome> done;
        synchronized (this) {
            if (!active()) {
                return;
            }
            run = current;
            if (run != null) {
                run.cancel();
            }
            if (running != null) {
                running.cancel();
            }
            done = completion;
            current = null;
            running = null;
        }
        String stage = run == null ? null : run.stage();
        store.update(s -> {
            if (stage != null) {
                StageState state = s.stageOrCreate(stage);
                state.status = StageStatus.PENDING;
                state.message = "interrupted by shutdown; continues from its checkpoint when the plan starts again";
            }
            s.status = PipelineStatus.INTERRUPTED;
            s.message = "the service stopped" + (stage == null ? "" : " during " + stage)
                    + "; starting the plan again continues from the last checkpoint";
        });
        events.emit("pipeline.interrupted", stage, "service stopping: run interrupted"
                + (stage == null ? "" : " during " + stage) + ", checkpoint kept");
        PipelineOutcome outcome = new PipelineOutcome(PipelineStatus.INTERRUPTED, "interrupted by shutdown", stage);
        done.thenRun(() -> startSuccessorOrSettle(outcome));
        done.complete(outcome);
    }

    /** The plan of the last run, if any. */
    public String lastPlan() {
        return store.read(s -> s.plan);
    }

    private Uni<PipelineOutcome> runFrom(List<String> names, int index) {
        if (index >= names.size()) {
            return Uni.createFrom().item(new PipelineOutcome(PipelineStatus.SUCCEEDED, "all stages succeeded", null));
        }
        String name = names.get(index);
        StageStatus status = store.read(s -> s.stageOrCreate(name).status);
        if (status.done()) {
            return runFrom(names, index + 1);
        }
        return waitWhilePaused(name)
                .chain(() -> runStage(registry.stage(name)))
                .chain(result -> result.status().done()
                        ? runFrom(names, index + 1)
                        : Uni.createFrom().item(stoppedAt(name, result)));
    }

    private Uni<Void> waitWhilePaused(String next) {
        CompletableFuture<Void> signal;
        synchronized (this) {
            if (!pauseRequested) {
                return Uni.createFrom().voidItem();
            }
            resumeSignal = new CompletableFuture<>();
            signal = resumeSignal;
        }
        store.update(s -> {
            s.status = PipelineStatus.PAUSED;
            s.message = "paused before " + next;
        });
        events.emit("pipeline.paused", next, "paused before " + next + ": POST /api/v1/migration/resume to go on");
        return Uni.createFrom().completionStage(signal);
    }

    private Uni<StageResult> runStage(Stage stage) {
        StageRun run = new StageRun(stage.name(), store, events, settings.resumeFromCheckpoints());
        current = run;
        Duration backoff = settings.retryBackoff().isZero() ? Duration.ofMillis(1) : settings.retryBackoff();
        return Uni.createFrom().deferred(() -> {
                    run.beginAttempt();
                    return stage.run(run);
                })
                .ifNoItem().after(settings.stageTimeout())
                .failWith(() -> new TimeoutException("did not finish within engine.stageTimeout ("
                        + settings.stageTimeout() + ")"))
                .onFailure(PipelineEngine::retryable).invoke(e -> run.retrying(e, settings.stageRetries()))
                .onFailure(PipelineEngine::retryable).retry()
                .withBackOff(backoff, backoff.multipliedBy(8)).atMost(settings.stageRetries())
                .onFailure().recoverWithItem(PipelineEngine::asFailure)
                .invoke(run::finish)
                .onCancellation().invoke(run::cancel);
    }

    private static StageResult asFailure(Throwable failure) {
        Throwable cause = failure;
        if (cause instanceof TimeoutException) {
            return StageResult.failed("timed out: " + cause.getMessage());
        }
        return StageResult.failed(describe(cause));
    }

    /** A failure in words: its message, or its type when it has none (a bare ConnectException). */
    static String describe(Throwable failure) {
        return failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
    }

    static boolean retryable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof RetryableStageException || t instanceof ConnectException) {
                return true;
            }
        }
        return false;
    }

    private PipelineOutcome stoppedAt(String stage, StageResult result) {
        PipelineStatus status = result.status() == StageStatus.BLOCKED ? PipelineStatus.BLOCKED : PipelineStatus.FAILED;
        return new PipelineOutcome(status, "stage " + stage + " " + result.status().json() + ": " + result.message(), stage);
    }

    private void finish(PipelineOutcome outcome) {
        CompletableFuture<PipelineOutcome> done;
        synchronized (this) {
            if (completion.isDone()) {
                return;
            }
            done = completion;
            current = null;
            running = null;
        }
        done.thenRun(() -> startSuccessorOrSettle(outcome));
        store.update(s -> {
            s.status = outcome.status();
            s.message = io.df2redis.config.Secrets.mask(outcome.message());
            s.finishedAt = Instant.now();
        });
        if (outcome.status() != PipelineStatus.ABORTED) {
            events.emit("pipeline." + outcome.status().json(), outcome.stage(), outcome.message());
        }
        store.durable().whenComplete((ok, error) -> done.complete(outcome));
    }

    /** After a run ended: starts the plan waiting to follow it, or settles with the run's outcome. */
    private void startSuccessorOrSettle(PipelineOutcome outcome) {
        String next;
        CompletableFuture<Void> started;
        CompletableFuture<PipelineOutcome> waiting;
        synchronized (this) {
            next = successor;
            started = successorStarted;
            waiting = settled;
            successor = null;
            successorStarted = null;
            if (next != null && outcome.status() != PipelineStatus.INTERRUPTED) {
                try {
                    start(next);
                    started.complete(null);
                    return;
                } catch (RuntimeException e) {
                    started.completeExceptionally(e);
                }
            } else if (started != null) {
                started.completeExceptionally(new PipelineBusyException("the service stopped before the " + next
                        + " plan could start: start it again"));
            }
        }
        waiting.complete(outcome);
    }

    private void markInterruptedRun() {
        List<String> interruptedStages = new ArrayList<>();
        boolean interrupted = store.read(s -> {
            if (!s.status.active()) {
                return false;
            }
            s.stages.stream().filter(st -> st.status == StageStatus.RUNNING).forEach(st -> interruptedStages.add(st.name));
            return true;
        });
        if (!interrupted) {
            return;
        }
        String where = interruptedStages.isEmpty() ? "between stages" : "in stage " + String.join(", ", interruptedStages);
        store.update(s -> {
            s.stages.stream().filter(st -> st.status == StageStatus.RUNNING).forEach(st -> {
                st.status = StageStatus.PENDING;
                st.message = "interrupted; continues from its checkpoint when the plan starts again";
            });
            s.status = PipelineStatus.INTERRUPTED;
            s.message = "the previous run stopped " + where + " without finishing (process ended); "
                    + "starting the plan again continues from the last checkpoint";
        });
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("stages", interruptedStages);
        events.emit("pipeline.interrupted", interruptedStages.isEmpty() ? null : interruptedStages.get(0),
                "found a run interrupted " + where + "; it continues from its checkpoint when started again", data);
    }
}
