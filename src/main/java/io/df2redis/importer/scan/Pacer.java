package io.df2redis.importer.scan;

import io.smallrye.mutiny.Uni;
import java.time.Duration;

/** Keeps a rate of operations per second under a limit by delaying, never by blocking a thread. */
final class Pacer {

    private final int perSecond;
    private final long startNanos = System.nanoTime();

    /** @param perSecond the limit; 0 or less means none */
    Pacer(int perSecond) {
        this.perSecond = perSecond;
    }

    /** Completes when {@code opsSoFar} operations since this pacer was made are within the rate. */
    Uni<Void> pace(long opsSoFar) {
        if (perSecond <= 0) {
            return Uni.createFrom().voidItem();
        }
        long dueNanos = (long) (opsSoFar * 1e9 / perSecond);
        long aheadNanos = dueNanos - (System.nanoTime() - startNanos);
        if (aheadNanos <= 1_000_000) {
            return Uni.createFrom().voidItem();
        }
        return Uni.createFrom().voidItem()
                .onItem().delayIt().by(Duration.ofNanos(aheadNanos));
    }
}
