package io.df2redis.importer.scan;

import io.df2redis.copy.BatchCheck;

import io.df2redis.copy.WriteReport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The scan importer's position and counts, as saved in its checkpoint: the databases to copy, the one
 * being copied and the SCAN cursor below which every key has been written.
 */
final class ScanPosition {

    /** Checkpoint field: every key the copy wrote was compared with the source after its batch was written. */

    List<Integer> databases = new ArrayList<>();
    int dbIndex;
    String cursor = "0";
    long expectedKeys;
    long batches;
    long copied;
    long bytes;
    long skippedExpired;
    long skippedExisting;
    long bigKeys;
    long failures;
    /** Keys compared on both sides after their batch was written ({@code verify.duringCopy}), and those found differing. */
    long verified;
    long verifiedDiffering;
    /** Every batch behind the cursor was verified after it was written. */
    boolean verifiedDuringCopy;
    final Map<String, Long> fallbacks = new TreeMap<>();
    /** The source's rdbcompression before the import turned it off; null when the import did not change it. */
    String sourceRdbCompression;

    static ScanPosition from(Map<String, Object> checkpoint) {
        ScanPosition position = new ScanPosition();
        if (checkpoint.isEmpty()) {
            return position;
        }
        if (checkpoint.get("databases") instanceof List<?> dbs) {
            dbs.forEach(db -> position.databases.add((int) number(db)));
        }
        position.dbIndex = (int) number(checkpoint.get("dbIndex"));
        position.cursor = String.valueOf(checkpoint.getOrDefault("cursor", "0"));
        position.expectedKeys = number(checkpoint.get("expectedKeys"));
        position.batches = number(checkpoint.get("batches"));
        position.copied = number(checkpoint.get("copied"));
        position.bytes = number(checkpoint.get("bytes"));
        position.skippedExpired = number(checkpoint.get("skippedExpired"));
        position.skippedExisting = number(checkpoint.get("skippedExisting"));
        position.bigKeys = number(checkpoint.get("bigKeys"));
        position.failures = number(checkpoint.get("failures"));
        position.verified = number(checkpoint.get("verified"));
        position.verifiedDiffering = number(checkpoint.get("verifiedDiffering"));
        position.verifiedDuringCopy = Boolean.TRUE.equals(checkpoint.get(BatchCheck.VERIFIED_DURING_COPY));
        if (checkpoint.get("sourceRdbCompression") instanceof String previous) {
            position.sourceRdbCompression = previous;
        }
        if (checkpoint.get("fallbacks") instanceof Map<?, ?> fallbacks) {
            fallbacks.forEach((type, n) -> position.fallbacks.put(String.valueOf(type), number(n)));
        }
        return position;
    }

    Map<String, Object> toCheckpoint() {
        Map<String, Object> checkpoint = new LinkedHashMap<>();
        checkpoint.put("databases", List.copyOf(databases));
        checkpoint.put("dbIndex", dbIndex);
        checkpoint.put("cursor", cursor);
        checkpoint.put("expectedKeys", expectedKeys);
        checkpoint.put("batches", batches);
        checkpoint.put("copied", copied);
        checkpoint.put("bytes", bytes);
        checkpoint.put("skippedExpired", skippedExpired);
        checkpoint.put("skippedExisting", skippedExisting);
        checkpoint.put("bigKeys", bigKeys);
        checkpoint.put("failures", failures);
        checkpoint.put("fallbacks", new TreeMap<>(fallbacks));
        checkpoint.put("verified", verified);
        checkpoint.put("verifiedDiffering", verifiedDiffering);
        checkpoint.put(BatchCheck.VERIFIED_DURING_COPY, verifiedDuringCopy);
        if (sourceRdbCompression != null) {
            checkpoint.put("sourceRdbCompression", sourceRdbCompression);
        }
        return checkpoint;
    }

    /** Back to a fresh start (the databases planned again), keeping what the source's settings were before the import. */
    void restart() {
        databases = new ArrayList<>();
        dbIndex = 0;
        cursor = "0";
        expectedKeys = 0;
        batches = 0;
        copied = 0;
        bytes = 0;
        skippedExpired = 0;
        skippedExisting = 0;
        bigKeys = 0;
        failures = 0;
        verified = 0;
        verifiedDiffering = 0;
        fallbacks.clear();
    }

    /** Adds a batch whose every key has been handled. */
    void add(WriteReport report, long expired) {
        copied += report.copied();
        bytes += report.bytes();
        skippedExpired += expired + report.skippedGone();
        skippedExisting += report.skippedExisting();
        bigKeys += report.bigKeys();
        failures += report.failures().size();
        report.fallbacks().forEach((type, n) -> fallbacks.merge(type, n, Long::sum));
    }

    long handled() {
        return copied + skippedExpired + skippedExisting + failures;
    }

    private static long number(Object value) {
        if (value instanceof Number n) {
            return n.longValue();
        }
        return value == null ? 0 : Long.parseLong(String.valueOf(value));
    }
}
