package io.df2redis.state;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Where the whole plan stands. */
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
