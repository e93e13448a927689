package io.df2redis.migration.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.df2redis.testing.TempDirs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The journal reader on segments as the proxy writes them (an intent, then its commit, in sequence order):
 * reads that start deep inside a large segment find their place by a search over byte offsets, and return
 * exactly what a read of the whole segment returns.
 */
class JournalReaderTest {

    private final Path wal = newDirectory();

    private static Path newDirectory() {
        try {
            return Files.createTempDirectory("df2redis-journal-reader-");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterEach
    void cleanUp() {
        TempDirs.delete(wal);
    }

    @Test
    void aReadFromDeepInASegmentStartsAtTheFirstRecordAfterIt() throws Exception {
        writeSegment(1, 60_000);
        JournalReader reader = new JournalReader(wal);
        for (long applied : new long[] {0, 1, 2, 3, 777, 50_001, 99_998, 119_996, 119_998}) {
            JournalReader.Batch batch = reader.next(applied, 10);
            long firstIntent = applied % 2 == 0 ? applied + 1 : applied + 2;
            assertEquals(key(firstIntent), new String(batch.keys().get(0).key(), StandardCharsets.US_ASCII), "after " + applied);
            assertEquals(Math.min(10, (120_000 - applied - applied % 2) / 2), batch.intents(), "after " + applied);
        }
        assertTrue(reader.next(120_000, 10).empty());
        assertEquals(120_000, reader.head());
    }

    @Test
    void keysWrittenInASpanDeepInASegmentAreFound() throws Exception {
        writeSegment(1, 60_000);
        JournalReader reader = new JournalReader(wal);
        byte[] inside = key(100_001).getBytes(StandardCharsets.US_ASCII);
        byte[] before = key(99_001).getBytes(StandardCharsets.US_ASCII);
        Set<String> written = reader.writtenBetween(100_000, 100_100, 0, List.of(inside, before));
        assertEquals(Set.of(Base64.getEncoder().encodeToString(inside)), written);
    }

    @Test
    void aTornLineEndsTheReadWhereverTheReadStarts() throws Exception {
        writeSegment(1, 40_000);
        Files.writeString(wal.resolve("journal-00000000000000000001.log"), "I 80001 17", StandardCharsets.US_ASCII,
                java.nio.file.StandardOpenOption.APPEND);
        JournalReader reader = new JournalReader(wal);
        JournalReader.Batch batch = reader.next(79_990, 100);
        assertEquals(5, batch.intents());
        assertEquals(80_000, batch.lastSeq());
    }

    /** {@code pairs} writes: intent seq 2n-1 on key k(2n-1), its commit seq 2n. */
    private void writeSegment(long first, int pairs) throws Exception {
        StringBuilder text = new StringBuilder();
        long now = System.currentTimeMillis();
        for (long seq = first; seq < first + 2L * pairs; seq += 2) {
            text.append("I ").append(seq).append(' ').append(now).append(" 0 SET ")
                    .append(Base64.getEncoder().encodeToString(key(seq).getBytes(StandardCharsets.US_ASCII))).append('\n');
            text.append("C ").append(seq + 1).append(' ').append(now).append(' ').append(seq).append(" ok\n");
        }
        Files.writeString(wal.resolve(String.format("journal-%020d.log", first)), text, StandardCharsets.US_ASCII);
    }

    private static String key(long seq) {
        return "key:" + seq;
    }
}
