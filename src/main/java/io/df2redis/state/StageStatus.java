package io.df2redis.state;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Where one stage stands. */
public enum StageStatus {
    PENDING, RUNNING, SUCCEEDED, SKIPPED, FAILED, BLOCKED;

    @JsonValue
    public String json() {
        return name().toLowerCase();
    }

    @JsonCreator
    public static StageStatus of(String value) {
        return valueOf(value.toUpperCase());
    }

    /** A stage in this state is not run again when the plan resumes. */
    public boolean done() {
        return this == SUCCEEDED || this == SKIPPED;
    }
}
