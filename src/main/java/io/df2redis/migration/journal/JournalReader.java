package io.df2redis.migration.journal;

import io.df2redis.contract.journal.JournalRecord;
import io.df2redis.contract.journal.JournalSegments;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the dirty-key journal the proxy plugin writes ({@link JournalSegments} of intent and commit records,
 * decoded by the contract's {@link JournalRecord}). Blocking file I/O: call it off the event loop. A torn last
 * line (the proxy died mid-write) ends the read.
 */
public final class JournalReader {

    private final Path dir;

    public JournalReader(Path dir) {
        this.dir = dir;
    }

    /** A dirty key, deduplicated within a batch. */
    public record DirtyKey(int db, byte[] key) {
    }

    /**
     * The intents after {@code applied}, at most {@code maxIntents}, their keys deduplicated.
     *
     * @param lastSeq the sequence number the batch reaches (commit records count too), {@code applied} when empty
     * @param oldestMillis the time of the batch's first intent, 0 when empty
     * @param pendingMillis the time of the first intent after {@code applied}, answered or not (the one
     *        the drain's lag counts from), 0 when the journal holds none
     */
    public record Batch(List<DirtyKey> keys, int intents, long lastSeq, long oldestMillis, long pendingMillis) {
        public boolean empty() {
            return intents == 0;
        }
    }

    /** Every intent after {@code applied}, committed or not (used for the keys dirtied in a range). */
    public Batch next(long applied, int maxIntents) throws IOException {
        return next(applied, maxIntents, Long.MAX_VALUE, 0, Long.MAX_VALUE);
    }

    /**
     * The intents after {@code applied} whose write the primary has answered, at most {@code maxIntents},
     * their keys deduplicated. The batch ends before the first intent that has no commit record yet,
     * unless that intent is older than {@code commitGraceMillis} (its proxy died: the key is then read as
     * the primary holds it). Intents up to {@code settledThrough} were written by a proxy process that
     * is gone (restarted): no commit will follow them, they count as answered. A drain reading the
     * primary after such a batch therefore sees every write the batch covers.
     */
    public Batch next(long applied, int maxIntents, long commitGraceMillis, long nowMillis, long settledThrough) throws IOException {
        List<JournalRecord> records = new ArrayList<>();
        java.util.Set<Long> committed = new java.util.HashSet<>();
        int intents = 0;
        int lookahead = Math.max(1024, maxIntents * 4);
        read:
        for (Path segment : segmentsFrom(applied + 1)) {
            try (BufferedReader lines = linesAfter(segment, applied)) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    long quick = quickSequence(line);
                    if (quick >= 0 && quick <= applied) {
                        continue;
                    }
                    JournalRecord record = JournalRecord.parse(line);
                    if (record == null) {
                        break read;
                    }
                    if (record.seq() <= applied) {
                        continue;
                    }
                    if (record.commit()) {
                        committed.add(record.intentSeq());
                        if (intents < maxIntents) {
                            records.add(record);
                        }
                    } else if (record.intent()) {
                        if (intents == maxIntents) {
                            if (--lookahead <= 0) {
                                break read;
                            }
                            continue;
                        }
                        intents++;
                        records.add(record);
                    }
                }
            } catch (NoSuchFileException e) {
                // pruned meanwhile: the next segment goes on
            }
        }
        Map<String, DirtyKey> keys = new LinkedHashMap<>();
        int taken = 0;
        long last = applied;
        long oldest = 0;
        long pending = records.stream().filter(JournalRecord::intent).mapToLong(JournalRecord::millis).findFirst().orElse(0);
        for (JournalRecord record : records) {
            if (record.intent()) {
                boolean answered = committed.contains(record.seq()) || record.seq() <= settledThrough
                        || nowMillis - record.millis() > commitGraceMillis;
                if (!answered) {
                    break;
                }
                taken++;
                if (oldest == 0) {
                    oldest = record.millis();
                }
                for (int i = 0; i < record.keyCount(); i++) {
                    String id = record.db() + ":" + record.base64Key(i);
                    keys.remove(id);
                    keys.put(id, new DirtyKey(record.db(), record.key(i)));
                }
            }
            last = record.seq();
        }
        return new Batch(List.copyOf(keys.values()), taken, last, oldest, pending);
    }

    /**
     * Which of {@code keys} (of database {@code db}) have an intent after {@code after} and at most at
     * {@code through}: keys a client wrote in that span. Reads only those records, line by line, and keeps
     * nothing but the answer (bounded by {@code keys}).
     *
     * @return the written keys, as Base64 (the journal's own spelling)
     */
    public java.util.Set<String> writtenBetween(long after, long through, int db, java.util.Collection<byte[]> keys) throws IOException {
        java.util.Set<String> wanted = new java.util.HashSet<>();
        keys.forEach(k -> wanted.add(JournalRecord.spell(k)));
        java.util.Set<String> written = new java.util.HashSet<>();
        if (through <= after || wanted.isEmpty()) {
            return written;
        }
        read:
        for (Path segment : segmentsFrom(after + 1)) {
            try (BufferedReader lines = linesAfter(segment, after)) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    long quick = quickSequence(line);
                    if (quick >= 0 && quick <= after) {
                        continue;
                    }
                    JournalRecord record = JournalRecord.parse(line);
                    if (record == null || record.seq() > through) {
                        break read;
                    }
                    if (record.seq() <= after || !record.intent() || record.db() != db) {
                        continue;
                    }
                    for (int i = 0; i < record.keyCount(); i++) {
                        if (wanted.contains(record.base64Key(i))) {
                            written.add(record.base64Key(i));
                        }
                    }
                    if (written.size() == wanted.size()) {
                        break read;
                    }
                }
            } catch (NoSuchFileException e) {
                // pruned meanwhile: the next segment goes on
            }
        }
        return written;
    }

    /**
     * The segment's lines from one at or shortly before the first record after {@code after}. Records are
     * written in sequence order, so a binary search over byte offsets finds it: a reader that follows the
     * journal reads what is new, not the whole segment again (a segment holds up to 200,000 records).
     */
    private static BufferedReader linesAfter(Path segment, long after) throws IOException {
        java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(segment);
        try {
            channel.position(lineStartBefore(channel, after));
            return new BufferedReader(java.nio.channels.Channels.newReader(channel, StandardCharsets.US_ASCII), 64 * 1024);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** The start of a line whose record is at most {@code after}, as late in the file as a few probes find; 0 at worst. */
    private static long lineStartBefore(java.nio.channels.FileChannel channel, long after) throws IOException {
        long low = 0;
        long high = channel.size();
        java.nio.ByteBuffer probe = java.nio.ByteBuffer.allocate(256);
        while (high - low > 64 * 1024) {
            long middle = (low + high) >>> 1;
            probe.clear();
            channel.read(probe, middle);
            long lineStart = -1;
            for (int i = 0; i < probe.position() - 1; i++) {
                if (probe.get(i) == '\n') {
                    lineStart = middle + i + 1;
                    break;
                }
            }
            if (lineStart < 0) {
                high = middle;
                continue;
            }
            int from = (int) (lineStart - middle);
            String head = new String(probe.array(), from, probe.position() - from, StandardCharsets.US_ASCII);
            long seq = quickSequence(head);
            if (seq > 0 && seq <= after) {
                low = lineStart;
            } else {
                high = middle;
            }
        }
        return low;
    }

    /** The sequence number at the start of a record line, without splitting it; -1 when there is none. */
    private static long quickSequence(String line) {
        int start = line.indexOf(' ') + 1;
        if (start <= 0) {
            return -1;
        }
        long seq = 0;
        int i = start;
        for (; i < line.length() && line.charAt(i) != ' '; i++) {
            char c = line.charAt(i);
            if (c < '0' || c > '9' || i - start > 18) {
                return -1;
            }
            seq = seq * 10 + (c - '0');
        }
        return i > start && i < line.length() ? seq : -1;
    }

    private static long sequence(String[] fields) {
        try {
            return fields.length >= 4 ? Long.parseLong(fields[1]) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The sequence number of the last complete record in the journal (0 when empty). */
    public long head() throws IOException {
        List<Path> all = segments();
        for (int i = all.size() - 1; i >= 0; i--) {
            long last = lastSequenceOf(all.get(i));
            if (last > 0) {
                return last;
            }
        }
        return 0;
    }

    private static long lastSequenceOf(Path segment) throws IOException {
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(segment)) {
            long size = channel.size();
            int tail = (int) Math.min(size, 64 * 1024);
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(tail);
            channel.read(buffer, size - tail);
            String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII);
            int end = text.lastIndexOf('\n');
            while (end > 0) {
                int start = text.lastIndexOf('\n', end - 1) + 1;
                JournalRecord record = JournalRecord.parse(text.substring(start, end));
                if (record != null && record.seq() > 0) {
                    return record.seq();
                }
                end = start - 1;
            }
            return 0;
        } catch (NoSuchFileException e) {
            return 0;
        }
    }

    /** Deletes segments whose every record is at or before {@code applied}; the newest segment stays. */
    public int deleteApplied(long applied) throws IOException {
        List<Path> segments = segments();
        int deleted = 0;
        for (int i = 0; i + 1 < segments.size(); i++) {
            if (JournalSegments.firstSeq(segments.get(i + 1)) - 1 <= applied) {
                Files.deleteIfExists(segments.get(i));
                deleted++;
            }
        }
        return deleted;
    }

    private List<Path> segmentsFrom(long seq) throws IOException {
        List<Path> all = segments();
        int start = 0;
        for (int i = 0; i < all.size(); i++) {
            if (JournalSegments.firstSeq(all.get(i)) <= seq) {
                start = i;
            }
        }
        return all.subList(start, all.size());
    }

    private List<Path> segments() throws IOException {
        return new ArrayList<>(JournalSegments.list(dir));
    }
}
