package io.df2redis.copy;

import io.smallrye.mutiny.Uni;
import java.util.List;

/**
 * Verification of the scan copy's batches as they are written ({@code verify.duringCopy}). Lifecycle: the
 * copy calls {@link #open()} once per attempt, {@link Batches#check} for every batch whose keys are all
 * written (before its checkpoint moves past it; several batches at once), and {@link Batches#close()} at
 * the end. A key found differing is recorded by the check for the verify stage to judge (settled, repaired):
 * the copy goes on.
 */
public interface BatchCheck {

    /** The import checkpoint's field that says every key the copy wrote was verified after its batch. */
    String VERIFIED_DURING_COPY = "verifiedDuringCopy";

    /** Whether an import stage's checkpoint says the copy verified every batch it wrote, from its start. */
    static boolean verifiedDuringCopy(java.util.Map<String, Object> importCheckpoint) {
        return Boolean.TRUE.equals(importCheckpoint.get(VERIFIED_DURING_COPY));
    }

    /** No verification during the copy. */
    BatchCheck OFF = new BatchCheck() {
        @Override
        public boolean enabled() {
            return false;
        }

        @Override
        public Batches open() {
            throw new IllegalStateException("verification during the copy is off");
        }
    };

    boolean enabled();

    Batches open();

    /** The checks of one copy attempt. */
    interface Batches {
        /** Compares the keys of {@code db} on both sides; the number found differing (recorded for the verify stage). */
        Uni<Long> check(int db, List<byte[]> keys);

        Uni<Void> close();
    }
}
