package io.df2redis.migration.engine;

import java.time.Duration;

/** Limits the engine applies to every stage. */
public record EngineSettings(Duration stageTimeout, int stageRetries, Duration retryBackoff, boolean resumeFromCheckpoints) {
}
