package io.df2redis.migration.engine;

/** A control action that does not fit the pipeline's current state (start while running, resume when not paused). */
public class PipelineBusyException extends RuntimeException {
    public PipelineBusyException(String message) {
        super(message);
    }
}
