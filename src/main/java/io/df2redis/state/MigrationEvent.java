package io.df2redis.state;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Instant;
import java.util.Map;

/**
 * One change of the migration, as streamed over SSE and kept in the status file.
 *
 * @param seq position in this service's event stream
 * @param ts when it happened
 * @param type what happened, e.g. {@code stage.started}, {@code stage.progress}, {@code state}
 * @param stage the stage it concerns, or null
 * @param message human-readable, with secrets masked
 * @param data details (numbers, names), with secrets masked
 */
@RegisterForReflection
public record MigrationEvent(long seq, Instant ts, String type, String stage, String message, Map<String, Object> data) {
}
