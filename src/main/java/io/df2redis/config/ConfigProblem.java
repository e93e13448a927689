package io.df2redis.config;

/**
 * One thing wrong with the migration file: the key path as written in the file (e.g.
 * {@code migrate.concurrency}) and what to write instead.
 */
public record ConfigProblem(String key, String message) {

    @Override
    public String toString() {
        return key.isEmpty() ? message : key + ": " + message;
    }
}
