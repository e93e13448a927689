package io.df2redis.contract.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Cluster hash slots as Redis computes them. */
class HashSlotTest {

    @Test
    void matchesRedisCrc16AndHashTags() {
        byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertEquals(0x31C3, HashSlot.crc16(check, 0, check.length));
        assertEquals(slot("user1000"), slot("{user1000}.following"));
        assertEquals(slot("user1000"), slot("foo{user1000}{bar}"));
        assertEquals(slot("{}x"), HashSlot.crc16("{}x".getBytes(StandardCharsets.UTF_8), 0, 3) & 16383);
        assertEquals(12182, slot("foo"));
    }

    @Test
    void findsATemporaryKeyTagForEverySlot() {
        for (int slot = 0; slot < HashSlot.SLOTS; slot++) {
            assertEquals(slot, slot(HashSlot.tagFor(slot) + ":run:1"));
        }
    }

    private static int slot(String key) {
        return HashSlot.of(key.getBytes(StandardCharsets.UTF_8));
    }
}
