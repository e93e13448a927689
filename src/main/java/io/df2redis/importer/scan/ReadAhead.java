package io.df2redis.importer.scan;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The bytes read from the source and not yet written to the target, held below a budget. Readers
 * wait in {@link #admit()} while the budget is spent; each write gives its bytes back with
 * {@link #release}. A reader admitted under the budget may take it over by one read, so the most held
 * is the budget plus one read per reader.
 */
final class ReadAhead {

    private final long budget;
    private final ArrayDeque<UniEmitter<? super Void>> waiting = new ArrayDeque<>();
    private long held;
    private long mostHeld;

    ReadAhead(long budget) {
        this.budget = budget;
    }

    /** Completes once the bytes held are below the budget. */
    Uni<Void> admit() {
        return Uni.createFrom().emitter(emitter -> {
            synchronized (this) {
                if (held >= budget) {
                    waiting.add(emitter);
                    emitter.onTermination(() -> forget(emitter));
                    return;
                }
            }
            emitter.complete(null);
        });
    }

    /** Counts the bytes of a read that will be written later. */
    synchronized void hold(long bytes) {
        held += bytes;
        mostHeld = Math.max(mostHeld, held);
    }

    /** Gives back the bytes of a write that is over, and lets waiting readers go while the budget allows. */
    void release(long bytes) {
        List<UniEmitter<? super Void>> admitted = new ArrayList<>();
        synchronized (this) {
            held -= bytes;
            while (held < budget && !waiting.isEmpty()) {
                admitted.add(waiting.poll());
            }
        }
        admitted.forEach(emitter -> emitter.complete(null));
    }

    synchronized long held() {
        return held;
    }

    /** The most bytes held at once so far. */
    synchronized long mostHeld() {
        return mostHeld;
    }

    private synchronized void forget(UniEmitter<? super Void> emitter) {
        waiting.remove(emitter);
    }
}
