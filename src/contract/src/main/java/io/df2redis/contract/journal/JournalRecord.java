package io.df2redis.contract.journal;

import java.util.Base64;

/**
 * One line of the dirty-key journal, decoded (the format is on {@link JournalRecordWriter}). Keys stay in the
 * journal's own Base64 spelling until asked for: the reader deduplicates and compares them as text.
 *
 * @param kind {@code 'I'} (intent), {@code 'C'} (commit), or {@code '?'} for a kind a newer writer may add (skipped)
 * @param millis the intent's time (0 for other kinds)
 * @param db the intent's database (0 for other kinds)
 * @param intentSeq the commit's intent (-1 for other kinds)
 */
public record JournalRecord(char kind, long seq, long millis, int db, long intentSeq, String[] fields) {

    /** Fields before an intent's first key: kind, seq, ms, db, command. */
    private static final int FIRST_KEY = 5;

    /**
     * Decodes a line; null when it is not a whole record, which ends a read: the torn tail of a proxy that died
     * mid-write (too few fields, or no sequence number).
     */
    public static JournalRecord parse(String line) {
        String[] fields = line.split(" ");
        if (fields.length < 4) {
            return null;
        }
        long seq;
        try {
            seq = Long.parseLong(fields[1]);
        } catch (NumberFormatException e) {
            return null;
        }
        return switch (fields[0]) {
            case "I" -> new JournalRecord('I', seq, parseOr(fields[2], 0), (int) parseOr(fields[3], 0), -1, fields);
            case "C" -> new JournalRecord('C', seq, 0, 0, parseOr(fields[3], -1), fields);
            default -> new JournalRecord('?', seq, 0, 0, -1, fields);
        };
    }

    public boolean intent() {
        return kind == 'I';
    }

    public boolean commit() {
        return kind == 'C';
    }

    /** The number of keys of an intent. */
    public int keyCount() {
        return intent() ? Math.max(0, fields.length - FIRST_KEY) : 0;
    }

    /** An intent's key {@code i}, as the journal spells it (Base64). */
    public String base64Key(int i) {
        return fields[FIRST_KEY + i];
    }

    public byte[] key(int i) {
        return Base64.getDecoder().decode(base64Key(i));
    }

    /** The spelling {@link #base64Key} uses, for keys to look for. */
    public static String spell(byte[] key) {
        return Base64.getEncoder().encodeToString(key);
    }

    private static long parseOr(String text, long fallback) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
