package io.df2redis.contract.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The journal's records as the plugin encodes them and the service decodes them. */
class JournalRecordsTest {

    private static final byte[] BINARY_KEY = {0, (byte) 0xff, ' ', '\n', 'k'};

    @Test
    void anIntentAndItsCommitReadBackAsWritten() {
        JournalRecordWriter writer = new JournalRecordWriter();
        writer.intent(41, 1_700_000_000_123L, 3, "MSET", new byte[][] {"a".getBytes(StandardCharsets.UTF_8), BINARY_KEY});
        writer.commit(42, 1_700_000_000_456L, 41, true);
        writer.commit(43, 1_700_000_000_789L, 40, false);
        String[] lines = text(writer).split("\n");
        assertEquals(3, lines.length);

        JournalRecord intent = JournalRecord.parse(lines[0]);
        assertTrue(intent.intent());
        assertEquals(41, intent.seq());
        assertEquals(1_700_000_000_123L, intent.millis());
        assertEquals(3, intent.db());
        assertEquals(2, intent.keyCount());
        assertArrayEquals("a".getBytes(StandardCharsets.UTF_8), intent.key(0));
        assertArrayEquals(BINARY_KEY, intent.key(1));
        assertEquals(JournalRecord.spell(BINARY_KEY), intent.base64Key(1));

        JournalRecord committed = JournalRecord.parse(lines[1]);
        assertTrue(committed.commit());
        assertEquals(42, committed.seq());
        assertEquals(41, committed.intentSeq());
        assertEquals("ok", committed.fields()[4]);
        assertEquals("err", JournalRecord.parse(lines[2]).fields()[4]);
    }

    @Test
    void aTornRecordIsNoRecord() {
        JournalRecordWriter writer = new JournalRecordWriter();
        writer.intent(7, 1_700_000_000_000L, 0, "SET", new byte[][] {"key".getBytes(StandardCharsets.UTF_8)});
        String whole = text(writer);
        assertNull(JournalRecord.parse(whole.substring(0, "I 7 17".length())), "cut inside its header");
        assertNull(JournalRecord.parse(""), "an empty line");
        assertNull(JournalRecord.parse("I x 1 0 SET a2V5"), "no sequence number");
    }

    @Test
    void negativeAndLargeNumbersAreWrittenInFull() {
        JournalRecordWriter writer = new JournalRecordWriter();
        writer.commit(Long.MAX_VALUE, -5, Long.MIN_VALUE, true);
        JournalRecord record = JournalRecord.parse(text(writer).trim());
        assertEquals(Long.MAX_VALUE, record.seq());
        assertEquals(Long.MIN_VALUE, record.intentSeq());
        assertEquals("-5", record.fields()[2]);
    }

    @Test
    void segmentsSortBySequenceAndARestartContinuesTheNumbering(@TempDir Path dir) throws Exception {
        assertEquals(0, JournalSegments.lastSequence(dir), "no segment yet");
        JournalRecordWriter writer = new JournalRecordWriter();
        writer.intent(1, 1, 0, "SET", new byte[][] {{'a'}});
        writer.commit(2, 2, 1, true);
        Files.writeString(dir.resolve(JournalSegments.name(1)), text(writer), StandardCharsets.US_ASCII);
        writer.reset();
        writer.intent(3, 3, 0, "SET", new byte[][] {{'b'}});
        Files.writeString(dir.resolve(JournalSegments.name(3)), text(writer) + "I 4 4", StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve("status.json"), "{}");

        assertEquals(java.util.List.of(dir.resolve(JournalSegments.name(1)), dir.resolve(JournalSegments.name(3))),
                JournalSegments.list(dir), "status.json is no segment");
        assertEquals(3, JournalSegments.firstSeq(dir.resolve(JournalSegments.name(3))));
        assertEquals(4, JournalSegments.lastSequence(dir), "the torn record's number is not used again");
    }

    private static String text(JournalRecordWriter writer) {
        java.nio.ByteBuffer buffer = writer.asBuffer();
        return new String(buffer.array(), buffer.position(), buffer.remaining(), StandardCharsets.US_ASCII);
    }
}
