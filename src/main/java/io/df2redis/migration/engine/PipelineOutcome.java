package io.df2redis.migration.engine;

import io.df2redis.state.PipelineStatus;

/** How a run of a plan ended: the status, a message for the operator, and the stage it stopped at. */
public record PipelineOutcome(PipelineStatus status, String message, String stage) {

    /** The CLI exit code: 0 done, 1 a stage failed, blocked or the run was aborted. */
    public int exitCode() {
        return status == PipelineStatus.SUCCEEDED ? 0 : 1;
    }
}
