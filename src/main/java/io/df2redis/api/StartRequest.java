package io.df2redis.api;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Body of {@code POST /api/v1/migration}; may be empty.
 *
 * @param dryRun validate the file and connectivity and change nothing
 */
@RegisterForReflection
public record StartRequest(Boolean dryRun) {

    public boolean isDryRun() {
        return Boolean.TRUE.equals(dryRun);
    }
}
