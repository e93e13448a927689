package io.df2redis.contract.journal;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;

/**
 * Encodes dirty-key journal records into a reusable, growing buffer: numbers and keys written as bytes,
 * without Strings (the proxy writes one per client write). The format, read back by {@link JournalRecord}:
 *
 * <pre>
 * I &lt;seq&gt; &lt;epoch ms&gt; &lt;db&gt; &lt;command&gt; &lt;base64 key&gt;[ &lt;base64 key&gt;...]   before the write is forwarded
 * C &lt;seq&gt; &lt;epoch ms&gt; &lt;intent seq&gt; ok|err                             after the primary replied
 * </pre>
 *
 * Not thread-safe: one writer at a time (the journal's lock).
 */
public final class JournalRecordWriter {

    private static final Base64.Encoder BASE64 = Base64.getEncoder();

    private byte[] bytes = new byte[4096];
    private int size;

    /** Appends an intent record: a write about to be forwarded, with the keys it writes. */
    public JournalRecordWriter intent(long seq, long millis, int db, String command, byte[][] keys) {
        put('I').put(' ').put(seq).put(' ').put(millis).put(' ').put(db).put(' ').put(command);
        for (byte[] key : keys) {
            put(' ').putBase64(key);
        }
        return put('\n');
    }

    /** Appends a commit record: the primary answered the write of intent {@code intentSeq}. */
    public JournalRecordWriter commit(long seq, long millis, long intentSeq, boolean ok) {
        return put('C').put(' ').put(seq).put(' ').put(millis).put(' ').put(intentSeq).put(ok ? " ok\n" : " err\n");
    }

    private JournalRecordWriter put(char c) {
        ensure(1);
        bytes[size++] = (byte) c;
        return this;
    }

    private JournalRecordWriter put(String ascii) {
        int length = ascii.length();
        ensure(length);
        for (int i = 0; i < length; i++) {
            bytes[size++] = (byte) ascii.charAt(i);
        }
        return this;
    }

    private JournalRecordWriter put(long number) {
        if (number < 0) {
            if (number == Long.MIN_VALUE) {
                return put(Long.toString(number));
            }
            put('-');
            number = -number;
        }
        ensure(20);
        int digits = 1;
        for (long rest = number / 10; rest > 0; rest /= 10) {
            digits++;
        }
        for (int i = size + digits - 1; i >= size; i--) {
            bytes[i] = (byte) ('0' + number % 10);
            number /= 10;
        }
        size += digits;
        return this;
    }

    private JournalRecordWriter putBase64(byte[] raw) {
        int length = 4 * ((raw.length + 2) / 3);
        ensure(length);
        if (raw.length > 0) {
            byte[] encoded = BASE64.encode(raw);
            System.arraycopy(encoded, 0, bytes, size, encoded.length);
        }
        size += length;
        return this;
    }

    public int size() {
        return size;
    }

    public void reset() {
        size = 0;
    }

    /** The records so far, for one channel write (valid until the next change). */
    public ByteBuffer asBuffer() {
        return ByteBuffer.wrap(bytes, 0, size);
    }

    private void ensure(int more) {
        if (size + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }
}
