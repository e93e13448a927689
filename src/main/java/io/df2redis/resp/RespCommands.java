package io.df2redis.resp;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * Commands encoded straight into one RESP buffer, for a {@link PipelinedConnection}: no object per
 * command or argument, so a pipeline of thousands of RESTOREs costs one buffer.
 */
public final class RespCommands {

    private static final byte[] CRLF = {'\r', '\n'};

    private final Buffer buffer;
    private final byte[] scratch = new byte[20];
    private int count;

    public RespCommands(int sizeHint) {
        this.buffer = Buffer.buffer(Math.max(64, sizeHint));
    }

    /** Starts a command of {@code arguments} arguments (its name included); add them next. */
    public RespCommands command(int arguments) {
        buffer.appendByte((byte) '*');
        appendNumber(arguments);
        count++;
        return this;
    }

    public RespCommands arg(byte[] value) {
        buffer.appendByte((byte) '$');
        appendNumber(value.length);
        buffer.appendBytes(value);
        buffer.appendBytes(CRLF);
        return this;
    }

    public RespCommands arg(String value) {
        return arg(value.getBytes(StandardCharsets.UTF_8));
    }

    public RespCommands arg(long value) {
        int digits = toDigits(value);
        // The length header goes first and needs the scratch array too: it is at most 2 digits long.
        buffer.appendByte((byte) '$');
        if (digits >= 10) {
            buffer.appendByte((byte) ('0' + digits / 10));
        }
        buffer.appendByte((byte) ('0' + digits % 10));
        buffer.appendBytes(CRLF);
        buffer.appendBytes(scratch, scratch.length - digits, digits);
        buffer.appendBytes(CRLF);
        return this;
    }

    /** Number of commands encoded. */
    public int count() {
        return count;
    }

    Buffer buffer() {
        return buffer;
    }

    private void appendNumber(long value) {
        int digits = toDigits(value);
        buffer.appendBytes(scratch, scratch.length - digits, digits);
        buffer.appendBytes(CRLF);
    }

    /** Writes the decimal digits of {@code value} at the end of the scratch array; returns how many. */
    private int toDigits(long value) {
        if (value == Long.MIN_VALUE) {
            byte[] text = Long.toString(value).getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(text, 0, scratch, scratch.length - text.length, text.length);
            return text.length;
        }
        boolean negative = value < 0;
        long rest = Math.abs(value);
        int at = scratch.length;
        do {
            scratch[--at] = (byte) ('0' + rest % 10);
            rest /= 10;
        } while (rest > 0);
        if (negative) {
            scratch[--at] = '-';
        }
        return scratch.length - at;
    }
}
