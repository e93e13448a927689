package io.df2redis.resp;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The replies to one pipelined write of a {@link LeanConnection}, in command order, kept flat:
 * a kind, a number and (for bulk strings) the bytes per reply; an array reply keeps its leaves in one
 * flat list ({@link #elements}: SCAN's cursor, then its keys). A bulk string longer than the
 * connection's limit is skipped: its reply keeps only its length ({@link #oversized}).
 */
public final class RespReplies {

    /** Kinds of reply. */
    public static final byte STATUS = '+';
    public static final byte ERROR = '-';
    public static final byte INTEGER = ':';
    public static final byte BULK = '$';
    public static final byte ARRAY = '*';
    public static final byte NIL = '_';

    private final byte[] kinds;
    private final long[] numbers;
    private final Object[] values;
    private int size;

    RespReplies(int count) {
        this.kinds = new byte[count];
        this.numbers = new long[count];
        this.values = new Object[count];
    }

    void add(byte kind, long number, Object value) {
        kinds[size] = kind;
        numbers[size] = number;
        values[size] = value;
        size++;
    }

    boolean complete() {
        return size == kinds.length;
    }

    public int size() {
        return size;
    }

    public byte kind(int i) {
        return kinds[i];
    }

    public boolean error(int i) {
        return kinds[i] == ERROR;
    }

    /** The index of the first error reply, or -1 when none failed. */
    public int firstError() {
        for (int i = 0; i < size; i++) {
            if (kinds[i] == ERROR) {
                return i;
            }
        }
        return -1;
    }

    public boolean nil(int i) {
        return kinds[i] == NIL;
    }

    /** The error message (without the leading dash) of an error reply. */
    public String errorMessage(int i) {
        return kinds[i] == ERROR ? (String) values[i] : null;
    }

    /** An integer reply's value, or a bulk string's length. */
    public long number(int i) {
        return numbers[i];
    }

    /** A bulk string's bytes; null for nil and for an oversized bulk. */
    public byte[] bytes(int i) {
        return values[i] instanceof byte[] bytes ? bytes : null;
    }

    /**
     * An array reply's leaves in order, nested arrays flattened: {@code byte[]} for a bulk string (null
     * for nil or for one over the connection's limit), {@code Long} for an integer, {@code String} for a
     * status or an error. Empty for any other reply.
     */
    @SuppressWarnings("unchecked")
    public List<Object> elements(int i) {
        return values[i] instanceof List<?> list ? (List<Object>) list : List.of();
    }

    /** A bulk string longer than the connection's limit: skipped as it streamed in, only its length kept. */
    public boolean oversized(int i) {
        return kinds[i] == BULK && values[i] == null;
    }

    /** A status, error or bulk reply as text (for messages). */
    public String text(int i) {
        Object value = values[i];
        if (value instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        return value == null ? String.valueOf(numbers[i]) : value.toString();
    }
}
