package io.df2redis.state;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Where the whole plan stands. {@code INCOMPLETE} is no longer written (every stage of the model is
 * built); it stays so that a status file an earlier version wrote with it can still be read.
 */
public enum PipelineStatus {
    IDLE, RUNNING, PAUSING, PAUSED, SUCCEEDED, INCOMPLETE, FAILED, BLOCKED, ABORTED, INTERRUPTED;

    @JsonValue
    public String json() {
        return name().toLowerCase();
    }

    @JsonCreator
    public static PipelineStatus of(String value) {
        return valueOf(value.toUpperCase());
    }

    public boolean active() {
        return this == RUNNING || this == PAUSING || this == PAUSED;
    }
}
