package io.df2redis.resp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The guard every cursor loop shares: repeats in a row fail the loop, an advancing cursor starts the count again. */
class CursorGuardTest {

    private final CursorGuard guard = new CursorGuard(
            new RedisEndpoint("source", List.of("127.0.0.1:7001"), Optional.empty(), Optional.empty(), false, false), "HSCAN");

    @Test
    void aCursorThatAdvancesBetweenRepeatsNeverFails() {
        String previous = "0";
        for (int round = 0; round < 5; round++) {
            String cursor = String.valueOf(10 + round);
            assertEquals(cursor, guard.check(previous, cursor));
            previous = cursor;
            for (int i = 0; i < CursorGuard.MAX_REPEATED - 1; i++) {
                assertEquals(cursor, guard.check(cursor, cursor));
            }
        }
        assertEquals("0", guard.check("0", "0"), "cursor 0 given and returned: an empty scan, not a repeat");
    }

    @Test
    void theSameCursorThreeTimesInARowFailsNamingTheServerAndTheCommand() {
        guard.check("0", "17");
        guard.check("17", "17");
        guard.check("17", "17");
        IllegalStateException failed = assertThrows(IllegalStateException.class, () -> guard.check("17", "17"));
        assertTrue(failed.getMessage().contains("127.0.0.1:7001"), failed.getMessage());
        assertTrue(failed.getMessage().contains("HSCAN cursor 17 3 times in a row"), failed.getMessage());
    }
}
