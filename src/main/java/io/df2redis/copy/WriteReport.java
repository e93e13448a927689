package io.df2redis.copy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What one or more writes did, key by key counted; failures listed with their reason. */
public final class WriteReport {

    long copied;
    long bytes;
    long skippedExisting;
    long skippedGone;
    long bigKeys;
    final Map<String, Long> fallbacks = new TreeMap<>();
    final List<KeyFailure> failures = new ArrayList<>();

    /** Keys written to the target. */
    public long copied() {
        return copied;
    }

    /** Payload bytes written (DUMP size of the keys copied). */
    public long bytes() {
        return bytes;
    }

    /** Keys left as they were because the target held them ({@code conflictPolicy: skip-existing}). */
    public long skippedExisting() {
        return skippedExisting;
    }

    /** Keys that were gone (expired or deleted) from the source when a by-value copy read them. */
    public long skippedGone() {
        return skippedGone;
    }

    /** Keys copied in chunks by value because they were big. */
    public long bigKeys() {
        return bigKeys;
    }

    /** Keys copied by value because the target refused their payload, per type. */
    public Map<String, Long> fallbacks() {
        return fallbacks;
    }

    public List<KeyFailure> failures() {
        return failures;
    }

    /** Keys handled: copied, skipped or failed. */
    public long handled() {
        return copied + skippedExisting + skippedGone + failures.size();
    }

    synchronized void addFallback(String type) {
        fallbacks.merge(type, 1L, Long::sum);
    }

    public synchronized void addFailure(KeyFailure failure) {
        failures.add(failure);
    }

    synchronized void addCopied(long payloadBytes) {
        copied++;
        bytes += payloadBytes;
    }

    synchronized void addSkippedExisting() {
        skippedExisting++;
    }

    synchronized void addSkippedGone() {
        skippedGone++;
    }

    synchronized void addBigKey() {
        bigKeys++;
    }

    /** Adds the counts and failures of a finished report (one part of a batch). */
    public synchronized void add(WriteReport part) {
        copied += part.copied;
        bytes += part.bytes;
        skippedExisting += part.skippedExisting;
        skippedGone += part.skippedGone;
        bigKeys += part.bigKeys;
        part.fallbacks.forEach((type, n) -> fallbacks.merge(type, n, Long::sum));
        failures.addAll(part.failures);
    }
}
