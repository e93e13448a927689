package io.df2redis.migration.engine;

/** Reading values back from a checkpoint: numbers come back from the status file as Integer, Long or text. */
public final class Checkpoints {

    private Checkpoints() {
    }

    /** The value as a long; 0 when absent. */
    public static long number(Object value) {
        if (value instanceof Number n) {
            return n.longValue();
        }
        return value == null ? 0 : Long.parseLong(String.valueOf(value));
    }
}
