package io.df2redis.proxy.runtime;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;

/** A reusable, growing buffer of ASCII journal records: numbers and keys written as bytes, without Strings. */
final class AsciiRecord {

    private static final Base64.Encoder BASE64 = Base64.getEncoder();

    private byte[] bytes = new byte[4096];
    private int size;

    AsciiRecord put(char c) {
        ensure(1);
        bytes[size++] = (byte) c;
        return this;
    }

    AsciiRecord put(String ascii) {
        int length = ascii.length();
        ensure(length);
        for (int i = 0; i < length; i++) {
            bytes[size++] = (byte) ascii.charAt(i);
        }
        return this;
    }

    AsciiRecord put(long number) {
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

    AsciiRecord putBase64(byte[] raw) {
        int length = 4 * ((raw.length + 2) / 3);
        ensure(length);
        if (raw.length > 0) {
            byte[] encoded = BASE64.encode(raw);
            System.arraycopy(encoded, 0, bytes, size, encoded.length);
        }
        size += length;
        return this;
    }

    int size() {
        return size;
    }

    void reset() {
        size = 0;
    }

    /** The records so far, for one channel write (valid until the next change). */
    ByteBuffer asBuffer() {
        return ByteBuffer.wrap(bytes, 0, size);
    }

    private void ensure(int more) {
        if (size + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }
}
