package io.df2redis.importer.scan;

import io.smallrye.mutiny.subscription.Cancellable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The read-ahead budget between the scan importer's reads and writes. */
class ReadAheadTest {

    @Test
    void readersAreAdmittedUnderTheBudgetAndWaitOnceItIsSpentUntilWritesGiveBytesBack() {
        ReadAhead readAhead = new ReadAhead(100);
        assertTrue(admitted(readAhead), "nothing held yet");
        readAhead.hold(60);
        assertTrue(admitted(readAhead), "60 of 100 held");
        readAhead.hold(60);

        AtomicBoolean waiting = new AtomicBoolean();
        readAhead.admit().subscribe().with(ok -> waiting.set(true));
        assertFalse(waiting.get(), "120 of 100 held: the reader waits");
        readAhead.release(10);
        assertFalse(waiting.get(), "110 of 100 held: still waiting");
        readAhead.release(60);
        assertTrue(waiting.get(), "50 of 100 held: the waiting reader goes on");
        assertEquals(50, readAhead.held());
        assertEquals(120, readAhead.mostHeld());
    }

    @Test
    void aReaderThatStopsWaitingIsForgottenAndTheNextOneIsAdmitted() {
        ReadAhead readAhead = new ReadAhead(100);
        readAhead.hold(100);
        AtomicBoolean cancelledOne = new AtomicBoolean();
        AtomicBoolean nextOne = new AtomicBoolean();
        Cancellable cancelled = readAhead.admit().subscribe().with(ok -> cancelledOne.set(true));
        readAhead.admit().subscribe().with(ok -> nextOne.set(true));

        cancelled.cancel();
        readAhead.release(100);

        assertFalse(cancelledOne.get(), "a cancelled reader is not admitted");
        assertTrue(nextOne.get(), "the reader behind it is");
    }

    private static boolean admitted(ReadAhead readAhead) {
        AtomicBoolean admitted = new AtomicBoolean();
        readAhead.admit().subscribe().with(ok -> admitted.set(true));
        return admitted.get();
    }
}
