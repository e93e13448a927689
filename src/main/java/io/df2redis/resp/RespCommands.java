package io.df2redis.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Commands encoded straight into one RESP buffer, for a {@link LeanConnection}: no object per
 * command or argument, so a pipeline of thousands of RESTOREs costs one buffer. Payloads are copied
 * in: referring to them from a composite buffer instead was measured slower (the socket's copy then
 * walks a component per argument).
 */
public final class RespCommands {

    private static final byte[] CRLF = {'\r', '\n'};
    /** The largest array a thread keeps for its next {@link #once} commands. */
    static final int SPARE_MAX = 1 << 20;
    private static final ThreadLocal<byte[]> SPARE = new ThreadLocal<>();

    /** The encoded commands, grown as needed: plain array stores, no bounds checks of a buffer per append. */
    private byte[] bytes;
    private int length;
    private final byte[] scratch = new byte[20];
    private int count;
    private final boolean once;

    public RespCommands(int sizeHint) {
        this(new byte[Math.max(64, sizeHint)], false);
    }

    private RespCommands(byte[] bytes, boolean once) {
        this.bytes = bytes;
        this.once = once;
    }

    /**
     * Commands that are sent once, then never again: their array is this thread's spare, which the connection
     * takes back once it has copied the commands out. A retry encodes its commands anew. This spares the
     * collector an array the size of each RESTORE window.
     */
    public static RespCommands once(int sizeHint) {
        byte[] spare = SPARE.get();
        if (spare != null && spare.length >= sizeHint) {
            SPARE.set(null);
            return new RespCommands(spare, true);
        }
        return new RespCommands(new byte[Math.max(64, sizeHint)], true);
    }

    /**
     * The encoding of a command's first arguments, made once for a command sent many times: give it to
     * {@link #command(byte[])}. {@code head(6, RESTORE)} starts a RESTORE of six arguments.
     */
    public static byte[] head(int arguments, byte[]... first) {
        return encoded(new RespCommands(64).command(arguments), first);
    }

    /** The encoding of arguments that end a command sent many times: give it to {@link #args(byte[])}. */
    public static byte[] tail(byte[]... last) {
        return encoded(new RespCommands(64), last);
    }

    private static byte[] encoded(RespCommands commands, byte[]... arguments) {
        for (byte[] argument : arguments) {
            commands.arg(argument);
        }
        return Arrays.copyOf(commands.bytes, commands.length);
    }

    /** Starts a command with its first arguments encoded by {@link #head}; add the rest next. */
    public RespCommands command(byte[] head) {
        append(head, 0, head.length);
        count++;
        return this;
    }

    /** Adds arguments encoded by {@link #tail}. */
    public RespCommands args(byte[] tail) {
        append(tail, 0, tail.length);
        return this;
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
        append(value, 0, value.length);
        append(CRLF, 0, 2);
        return this;
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
        return Buffer.buffer(Unpooled.wrappedBuffer(bytes, 0, length));
    }

    /** Copies the encoded bytes into {@code out}; {@link #once} commands then give their array back and cannot be sent again. */
    void copyTo(ByteBuf out) {
        if (bytes == null) {
            throw new IllegalStateException("these commands were sent already: encode them again");
        }
        out.writeBytes(bytes, 0, length);
        if (once) {
            if (bytes.length <= SPARE_MAX) {
                SPARE.set(bytes);
            }
            bytes = null;
        }
    }

    int length() {
        return length;
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
        if (value >= 0 && value < 10) {
            scratch[scratch.length - 1] = (byte) ('0' + value);
            return 1;
        }
        if (value == Long.MIN_VALUE) {
            byte[] text = Long.toString(value).getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(text, 0, scratch, scratch.length - text.length, text.length);
            return text.length;
        }
        boolean negative = value < 0;
        long rest = Math.abs(value);
        int at = scratch.length;
        // Divisions are slow in C1's code (the launcher's compiler): one long division per nine digits, and
        // each digit by a multiplication with the reciprocal of ten, exact for every int.
        while (rest >= 1_000_000_000L) {
            long high = rest / 1_000_000_000L;
            at = intDigits((int) (rest - high * 1_000_000_000L), at, 9);
            rest = high;
        }
        at = intDigits((int) rest, at, 1);
        if (negative) {
            scratch[--at] = '-';
        }
        return scratch.length - at;
    }

    /** The digits of {@code value} (not negative) before {@code at}, at least {@code width} of them (zeros in front). */
    private int intDigits(int value, int at, int width) {
        int end = at - width;
        do {
            int tenth = (int) ((value * 0xCCCCCCCDL) >>> 35);
            scratch[--at] = (byte) ('0' + value - tenth * 10);
            value = tenth;
        } while (value > 0 || at > end);
        return at;
    }
}
