package io.df2redis.state;

/** The status file exists but cannot be used; never answered by silently starting over. */
public class StatusFileException extends RuntimeException {
    public StatusFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
