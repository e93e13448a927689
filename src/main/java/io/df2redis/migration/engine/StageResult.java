package io.df2redis.migration.engine;

import io.df2redis.state.StageStatus;

/** How a stage attempt ended, with the message shown to the operator. */
public record StageResult(StageStatus status, String message) {

    public static StageResult succeeded(String message) {
        return new StageResult(StageStatus.SUCCEEDED, message);
    }

    /** Nothing to do, or not available in this version: the plan goes on. */
    public static StageResult skipped(String message) {
        return new StageResult(StageStatus.SKIPPED, message);
    }

    /** A condition the operator must resolve; the plan stops and can be resumed. */
    public static StageResult blocked(String message) {
        return new StageResult(StageStatus.BLOCKED, message);
    }

    /** A failure that a retry would not fix; the plan stops. */
    public static StageResult failed(String message) {
        return new StageResult(StageStatus.FAILED, message);
    }
}
