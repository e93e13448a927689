package io.df2redis.migration.engine;

/** A failure that may pass by itself (a server restarting, a timeout): the engine retries the stage. */
public class RetryableStageException extends RuntimeException {
    public RetryableStageException(String message, Throwable cause) {
        super(message, cause);
    }

    public RetryableStageException(String message) {
        super(message);
    }
}
