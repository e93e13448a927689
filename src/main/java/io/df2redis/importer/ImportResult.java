package io.df2redis.importer;

import java.util.Map;

/**
 * What an import copied.
 *
 * @param copied          keys written to the target
 * @param bytes           DUMP payload bytes of the keys copied
 * @param skippedExpired  keys that expired (or were deleted) between listing and reading them
 * @param skippedExisting keys the target held already ({@code conflictPolicy: skip-existing})
 * @param bigKeys         keys copied by value in chunks because they were big
 * @param fallbacks       keys copied by value because the target refused their payload, per type
 * @param failures        keys that could not be copied (listed in {@code failures.jsonl})
 * @param databases       source databases copied
 * @param seconds         wall time of this attempt
 * @param onePass         every key was listed and written in this attempt, from the start of every database (no
 *                        checkpoint to resume from, none restarted), each write acknowledged
 */
public record ImportResult(long copied, long bytes, long skippedExpired, long skippedExisting, long bigKeys,
        Map<String, Long> fallbacks, long failures, int databases, double seconds, boolean onePass) {

    public String summary() {
        return copied + " keys copied (" + String.format("%.1f", bytes / 1048576.0) + " MB) from " + databases
                + " database(s) in " + String.format("%.1f", seconds) + " s; " + skippedExpired + " expired before copy, "
                + skippedExisting + " kept as the target had them, " + bigKeys + " big keys in chunks, fallbacks by value "
                + fallbacks + ", " + failures + " failed";
    }
}
