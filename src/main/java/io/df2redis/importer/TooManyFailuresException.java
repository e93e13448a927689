package io.df2redis.importer;

/** More keys failed than {@code migrate.maxFailures} allows: the import stops; a retry would not help. */
public class TooManyFailuresException extends IllegalStateException {
    public TooManyFailuresException(String message) {
        super(message);
    }
}
