package io.df2redis.migration.engine;

import io.smallrye.mutiny.Uni;

/**
 * One step of a migration plan, chosen by {@link #name()} (an unknown or duplicate name fails the
 * service at start-up).
 *
 * <p>Lifecycle: the engine calls {@link #run} once per attempt, on a worker thread, with a
 * context that carries the stage's last checkpoint. The stage
 * <ol>
 *   <li>reads {@link StageContext#checkpoint()} and continues from it (an empty map means a fresh start);</li>
 *   <li>reports progress and findings through the context, and persists its position with
 *       {@link StageContext#saveCheckpoint} <em>before</em> it reports the progress that position covers;</li>
 *   <li>completes with a {@link StageResult}, or fails: a {@link RetryableStageException} (or a
 *       connection failure) is retried with backoff up to {@code engine.stageRetries}, anything else
 *       fails the stage at once;</li>
 *   <li>reacts to cancellation (abort, timeout, shutdown) by releasing what it holds: the engine
 *       cancels the returned {@link Uni}, and long loops also check {@link StageContext#cancelled()}.</li>
 * </ol>
 * A stage never blocks the calling thread; blocking work is moved to a worker pool.
 */
public interface Stage {

    /** The name used in plans, status and events, e.g. {@code precheck}. */
    String name();

    /** One line on what the stage does, for status and docs. */
    String description();

    /** Runs one attempt of the stage. */
    Uni<StageResult> run(StageContext context);
}
