package io.df2redis.importer;

import io.df2redis.copy.TargetWriter;
import io.df2redis.migration.engine.StageContext;
import io.smallrye.mutiny.Uni;

/**
 * A way to copy the source's baseline into the target (phase 5 of the migration model), chosen by
 * {@code migrate.importer}. Implementations are CDI beans; two beans with the same {@link #name()} fail
 * the service at start-up, and a configured name no bean provides fails the import stage plainly.
 *
 * <p>Lifecycle: the {@code import} stage calls {@link #run} once per attempt, with the stage's context
 * and a {@link TargetWriter} it has opened for the target. The importer
 * <ol>
 *   <li>reads {@link StageContext#checkpoint()} and continues from it (empty: a fresh start); re-copying
 *       keys already copied is harmless;</li>
 *   <li>reads the source only (invariant I2) and writes the target through the writer;</li>
 *   <li>saves its position with {@link StageContext#saveCheckpoint} before reporting the progress it covers,
 *       and reports progress, metrics and failed keys;</li>
 *   <li>completes with an {@link ImportResult}; fails with {@link TooManyFailuresException} when more keys
 *       failed in this attempt than {@code migrate.maxFailures} (failures of earlier attempts are not carried
 *       over: the stage copies the keys the target lacks once the importer ends), or with a retryable failure when a side is unreachable;</li>
 *   <li>stops when the returned {@link Uni} is cancelled or {@link StageContext#cancelled()} turns true,
 *       releasing its connections.</li>
 * </ol>
 * It never blocks the calling thread.
 */
public interface Importer {

    /** The name used in {@code migrate.importer}, e.g. {@code scan}. */
    String name();

    /** Copies the baseline (one attempt). */
    Uni<ImportResult> run(StageContext context, TargetWriter writer);
}
