package io.df2redis.proxy.runtime;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Read-your-writes while a share of reads goes to the mirror (the read batches): the keys written
 * through this proxy whose journal record the drain has not applied yet. The mirror may hold an
 * older value of such a key (the drain's copy of an earlier value can land after the mirrored
 * write), so a read of it goes to the primary. The drain reports how far it applied
 * ({@link #applied}); a key leaves the set once every record of it is applied, because the drain
 * reads the primary after a record's write was answered.
 *
 * <p>A proxy that starts does not know the keys of records written before it: every read goes to the
 * primary until the drain has applied them. Bounded: past {@code maxTracked} keys the set is dropped and every read goes to the primary
 * until the drain has applied the last record written before that moment.
 */
final class UnappliedWrites {

    private record Key(int db, byte[] bytes) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Key key && key.db == db && Arrays.equals(key.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(bytes) + db;
        }
    }

    private record Written(long seq, Key key) {
    }

    private final int maxTracked;
    private final Map<Key, Long> newest = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Written> bySequence = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private volatile long applied;
    /** While above {@link #applied}: the set overflowed, every read goes to the primary. */
    private final AtomicLong primaryOnlyUntil = new AtomicLong();
    /** Until the drain first reports, nothing is tracked: the keys could not leave the set. */
    private volatile boolean reported;
    private final AtomicLong highestWritten = new AtomicLong();

    /**
     * @param writtenBefore the last journal sequence of earlier proxy processes: their keys are not known
     *     here, so every read goes to the primary until the drain has applied that far
     */
    UnappliedWrites(int maxTracked, long writtenBefore) {
        this.maxTracked = maxTracked;
        this.primaryOnlyUntil.set(writtenBefore);
        this.highestWritten.set(writtenBefore);
    }

    /**
     * The write of journal record {@code seq} to {@code keys} on database {@code db} is about to be
     * forwarded. Untracked ({@code track} false: the route has one backend, or the drain has not
     * reported yet), it sends every read to the primary until the drain has applied it.
     */
    void written(int db, byte[][] keys, long seq, boolean track) {
        highestWritten.accumulateAndGet(seq, Math::max);
        if (seq <= applied) {
            return;
        }
        if (!track || !reported) {
            primaryOnlyUntil.accumulateAndGet(seq, Math::max);
            return;
        }
        if (queued.get() + keys.length > maxTracked) {
            overflow();
            return;
        }
        for (byte[] key : keys) {
            Key tracked = new Key(db, key);
            newest.merge(tracked, seq, Math::max);
            bySequence.add(new Written(seq, tracked));
            queued.incrementAndGet();
        }
    }

    private synchronized void overflow() {
        // Cleared first, then the highest sequence read: every key dropped was counted in it before it was added.
        newest.clear();
        bySequence.clear();
        queued.set(0);
        primaryOnlyUntil.accumulateAndGet(highestWritten.get(), Math::max);
    }

    /** The drain has applied every journal record up to {@code seq}. */
    void applied(long seq) {
        reported = true;
        if (seq <= applied) {
            return;
        }
        applied = seq;
        for (Written head = bySequence.peek(); head != null && head.seq() <= seq; head = bySequence.peek()) {
            if (bySequence.remove(head)) {
                queued.decrementAndGet();
                newest.remove(head.key(), head.seq());
            }
        }
    }

    /** True when one of {@code keys} (database {@code db}) may be older on the mirror than a write already answered. */
    boolean unapplied(int db, List<byte[]> keys) {
        if (primaryOnlyUntil.get() > applied) {
            return true;
        }
        for (byte[] key : keys) {
            if (newest.containsKey(new Key(db, key))) {
                return true;
            }
        }
        return false;
    }

    long appliedSeq() {
        return applied;
    }

    int tracked() {
        return newest.size();
    }

    boolean primaryOnly() {
        return primaryOnlyUntil.get() > applied;
    }
}
