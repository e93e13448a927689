package io.df2redis.migration.engine;

import io.smallrye.mutiny.Uni;
import java.util.Map;

/** What the engine gives a running stage: its checkpoint, progress, findings, events and cancellation. */
public interface StageContext {

    String stage();

    /** The last checkpoint saved by this stage (empty on a fresh start). A copy: changing it saves nothing. */
    Map<String, Object> checkpoint();

    /** Saves the checkpoint durably (fsynced status file); completes once it is on disk. */
    Uni<Void> saveCheckpoint(Map<String, Object> checkpoint);

    /** Reports progress; rate and ETA are computed from the calls. */
    void progress(long done, Long total, String unit);

    /** Records a finding (precheck results, inventory) in the stage's status entry. */
    void finding(String name, Object value);

    /** Sets a numeric metric of the migration (status metrics and Prometheus). */
    void metric(String name, double value);

    /** An informational event of this stage. */
    void info(String message);

    /** A warning event of this stage: something the operator should look at, not a failure. */
    void warn(String message);

    /** True once the stage is being cancelled (abort, timeout, shutdown). */
    boolean cancelled();

    /** Attempt number, from 1. */
    int attempt();

    /** True when the stage continues from a checkpoint written by an earlier attempt or process. */
    boolean resumed();

    /** True for a look that must change nothing (a dry run): no status, no keys. */
    default boolean readOnly() {
        return false;
    }
}
