package io.df2redis.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Commands encoded straight into one RESP buffer, for a {@link PipelinedConnection}: no object per
 * command or argument, so a pipeline of thousands of RESTOREs costs one buffer. Arguments of
 * {@link #REFERENCED_BYTES} or more (payloads) are not copied in: the buffer refers to them, so a
 * payload is copied once, by the socket, instead of twice.
 */
public final class RespCommands {

    /** Arguments at least this long are referred to rather than copied. */
    public static final int REFERENCED_BYTES = 256;
    private static final byte[] CRLF = {'\r', '\n'};

    /** The encoded commands, grown as needed: plain array stores, no bounds checks of a buffer per append. */
    private byte[] bytes;
    private int length;
    private final byte[] scratch = new byte[20];
    private int count;
    /** The encoded bytes up to the last referred argument, and the referred arguments, in order; null until the first. */
    private List<ByteBuf> parts;
    /** Where the bytes not yet in {@link #parts} start. */
    private int partStart;

    /** {@code sizeHint}: the bytes to encode, not counting arguments of {@link #REFERENCED_BYTES} or more. */
    public RespCommands(int sizeHint) {
        this.bytes = new byte[Math.max(64, sizeHint)];
    }

    /** Starts a command of {@code arguments} arguments (its name included); add them next. */
    public RespCommands command(int arguments) {
        append((byte) '*');
        appendNumber(arguments);
        count++;
        return this;
    }

    public RespCommands arg(byte[] value) {
        append((byte) '$');
        appendNumber(value.length);
        if (value.length >= REFERENCED_BYTES) {
            refer(value);
        } else {
            append(value, 0, value.length);
        }
        append(CRLF, 0, 2);
        return this;
    }

    /** The bytes of an argument that must not change until the commands are written. */
    private void refer(byte[] value) {
        if (parts == null) {
            parts = new ArrayList<>();
        }
        // A later grow() copies the array; this view keeps the one that holds these bytes.
        parts.add(Unpooled.wrappedBuffer(bytes, partStart, length - partStart));
        parts.add(Unpooled.wrappedBuffer(value));
        partStart = length;
    }

    public RespCommands arg(String value) {
        return arg(value.getBytes(StandardCharsets.UTF_8));
    }

    public RespCommands arg(long value) {
        int digits = toDigits(value);
        // The length header goes first and needs the scratch array too: it is at most 2 digits long.
        append((byte) '$');
        if (digits >= 10) {
            append((byte) ('0' + digits / 10));
        }
        append((byte) ('0' + digits % 10));
        append(CRLF, 0, 2);
        append(scratch, scratch.length - digits, digits);
        append(CRLF, 0, 2);
        return this;
    }

    /** Number of commands encoded. */
    public int count() {
        return count;
    }

    /** The encoded bytes, wrapped without a copy. */
    Buffer buffer() {
        if (parts == null) {
            return Buffer.buffer(Unpooled.wrappedBuffer(bytes, 0, length));
        }
        CompositeByteBuf all = Unpooled.compositeBuffer(Integer.MAX_VALUE);
        all.addComponents(true, parts);
        all.addComponent(true, Unpooled.wrappedBuffer(bytes, partStart, length - partStart));
        return Buffer.buffer(all);
    }

    private void append(byte b) {
        if (length == bytes.length) {
            grow(1);
        }
        bytes[length++] = b;
    }

    private void append(byte[] source, int from, int size) {
        if (length + size > bytes.length) {
            grow(size);
        }
        System.arraycopy(source, from, bytes, length, size);
        length += size;
    }

    private void grow(int needed) {
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + needed));
    }

    private void appendNumber(long value) {
        int digits = toDigits(value);
        append(scratch, scratch.length - digits, digits);
        append(CRLF, 0, 2);
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
