package io.df2redis.contract.resp;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A small blocking RESP connection, used by one thread: the proxy plugin's own links (to the target, to the
 * primary), the demo's data loading, and tests that act as an application. The service's copy path uses the
 * reactive clients instead. Replies come three ways: {@link #readFrame()} (whole, raw bytes kept, RESP2 and
 * RESP3), {@link #readReply()} (a flat text form), and plain Java values ({@link #call}, {@link #command}).
 */
public final class RespConnection implements AutoCloseable {

    /** An error reply, as a value. */
    public record Error(String message) {
    }

    private final Socket socket = new Socket();
    private final OutputStream out;
    private final InputStream in;

    /** Connects (2 s at most), reads with a 5 s timeout, and authenticates when a password is given. */
    public RespConnection(String host, int port, String user, String password) throws IOException {
        this(host, port, user, password, 5000);
    }

    public RespConnection(String host, int port, String user, String password, int readTimeoutMillis) throws IOException {
        socket.connect(new InetSocketAddress(host, port), 2000);
        socket.setSoTimeout(readTimeoutMillis);
        socket.setTcpNoDelay(true);
        out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
        in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
        if (password != null && !password.isEmpty()) {
            List<byte[]> auth = new ArrayList<>();
            auth.add(bytes("AUTH"));
            if (user != null && !user.isEmpty()) {
                auth.add(bytes(user));
            }
            auth.add(bytes(password));
            write(auth);
            flush();
            if (readReply().startsWith("-")) {
                close();
                throw new IOException(host + ":" + port + " refused AUTH (check the password in the migration file)");
            }
        }
    }

    public static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    public void write(List<byte[]> args) throws IOException {
        encode(out, args);
    }

    /** Writes one command as a RESP array of bulk strings to {@code out} (buffered: the caller flushes). */
    public static void encode(OutputStream out, List<byte[]> args) throws IOException {
        out.write(("*" + args.size() + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (byte[] arg : args) {
            out.write(("$" + arg.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(arg);
            out.write('\r');
            out.write('\n');
        }
    }

    /** Reads one reply from {@code in} as a value, bulk strings as text (see {@link #command}). */
    public static Object decode(InputStream in) throws IOException {
        return value(readFrame(in, new java.io.ByteArrayOutputStream(64)), true);
    }

    public void flush() throws IOException {
        out.flush();
    }

    /** The first line of the next reply ('+', '-', ':'); bulk strings are returned as "$" + text; arrays are flattened into lines. */
    public String readReply() throws IOException {
        String line = readLine();
        char type = line.charAt(0);
        if (type == '$') {
            int length = Integer.parseInt(line.substring(1));
            if (length < 0) {
                return "$";
            }
            byte[] data = in.readNBytes(length);
            in.readNBytes(2);
            return "$" + new String(data, StandardCharsets.UTF_8);
        }
        if (type == '*') {
            int count = Integer.parseInt(line.substring(1));
            StringBuilder items = new StringBuilder("*");
            for (int i = 0; i < count; i++) {
                items.append('\n').append(readReply());
            }
            return items.toString();
        }
        return line;
    }

    private static byte[] readLineBytes(InputStream in) throws IOException {
        java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream(32);
        int c;
        while ((c = in.read()) != '\r') {
            if (c < 0) {
                throw new IOException("connection closed by the server");
            }
            line.write(c);
        }
        in.read();
        return line.toByteArray();
    }

    private String readLine() throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != '\r') {
            if (c < 0) {
                throw new IOException("connection closed by the target");
            }
            line.append((char) c);
        }
        in.read();
        return line.toString();
    }

    /** Sends one command and returns its reply (see {@link #readReply()}). */
    public String roundTrip(String... args) throws IOException {
        List<byte[]> command = new ArrayList<>();
        for (String arg : args) {
            command.add(bytes(arg));
        }
        write(command);
        flush();
        return readReply();
    }

    /**
     * One whole reply, RESP2 or RESP3, kept as the bytes the server sent (so it can be passed to a client
     * unchanged) with what the proxy needs to look at: its type, its text or bulk, its items.
     */
    public record Frame(byte[] raw, char type, byte[] data, List<Frame> items) {

        public boolean isNull() {
            return type == '_' || (type == '$' || type == '*') && data == null && items == null;
        }

        public boolean isError() {
            return type == '-' || type == '!';
        }

        /** The text of a simple, bulk or number reply ({@code ""} for an aggregate or a null). */
        public String text() {
            return data == null ? "" : new String(data, StandardCharsets.UTF_8);
        }
    }

    /** Reads one whole reply (see {@link Frame}); blocks as long as the socket's read timeout allows. */
    public Frame readFrame() throws IOException {
        java.io.ByteArrayOutputStream raw = new java.io.ByteArrayOutputStream(64);
        Frame frame = readFrame(in, raw);
        return new Frame(raw.toByteArray(), frame.type(), frame.data(), frame.items());
    }

    private static Frame readFrame(InputStream in, java.io.ByteArrayOutputStream raw) throws IOException {
        byte[] lineBytes = readLineBytes(in);
        String line = new String(lineBytes, StandardCharsets.UTF_8);
        raw.write(lineBytes);
        raw.write('\r');
        raw.write('\n');
        char type = line.charAt(0);
        String rest = line.substring(1);
        switch (type) {
            case '$': case '!': case '=': {
                int length = Integer.parseInt(rest);
                if (length < 0) {
                    return new Frame(null, type, null, null);
                }
                byte[] data = in.readNBytes(length + 2);
                if (data.length < length + 2) {
                    throw new IOException("connection closed by the server");
                }
                raw.write(data);
                return new Frame(null, type, java.util.Arrays.copyOf(data, length), null);
            }
            case '*': case '~': case '>': case '%': case '|': {
                int count = Integer.parseInt(rest);
                if (count < 0) {
                    return new Frame(null, type, null, null);
                }
                int elements = type == '%' || type == '|' ? count * 2 : count;
                List<Frame> items = new ArrayList<>(elements);
                for (int i = 0; i < elements; i++) {
                    items.add(readFrame(in, raw));
                }
                if (type == '|') {
                    return readFrame(in, raw); // attributes precede the reply they describe
                }
                return new Frame(null, type, null, items);
            }
            default:
                return new Frame(null, type, rest.getBytes(StandardCharsets.UTF_8), null);
        }
    }

    /**
     * Sends one command and returns its reply as a value: a status as {@link String}, an error as {@link Error},
     * an integer as {@link Long}, a bulk string as {@code byte[]}, an array as {@link List}, a null as null.
     * Arguments are {@code byte[]}, or anything else as its text. A broken connection fails unchecked: for callers
     * that cannot go on without it (tests, the demo's loading).
     */
    public Object call(Object... args) {
        return pipeline(List.<Object[]>of(args)).get(0);
    }

    /** {@link #call}, failing on an error reply. */
    public Object ok(Object... args) {
        Object reply = call(args);
        if (reply instanceof Error error) {
            throw new IllegalStateException(args[0] + " failed: " + error.message());
        }
        return reply;
    }

    /** Sends the commands in one write and reads their replies in order, as {@link #call} gives them. */
    public List<Object> pipeline(List<Object[]> commands) {
        try {
            for (Object[] command : commands) {
                write(arguments(command));
            }
            flush();
            List<Object> replies = new ArrayList<>(commands.size());
            for (int i = 0; i < commands.size(); i++) {
                replies.add(value(readFrame(), false));
            }
            return replies;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends one command and returns its reply as {@link #call} does, but a bulk string as {@link String} (UTF-8). */
    public Object command(String... args) throws IOException {
        write(arguments(args));
        flush();
        return value(readFrame(), true);
    }

    /** A reply value as text: a bulk string decoded as UTF-8, anything else by {@link String#valueOf}. */
    public static String text(Object reply) {
        return reply instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : String.valueOf(reply);
    }

    static List<byte[]> arguments(Object[] command) {
        List<byte[]> args = new ArrayList<>(command.length);
        for (Object arg : command) {
            args.add(arg instanceof byte[] raw ? raw : bytes(String.valueOf(arg)));
        }
        return args;
    }

    /** A frame as a plain value (see {@link #call}); RESP3 aggregates come as lists, other RESP3 scalars as text. */
    static Object value(Frame frame, boolean textBulks) {
        if (frame.isNull()) {
            return null;
        }
        return switch (frame.type()) {
            case '-', '!' -> new Error(frame.text());
            case ':' -> Long.parseLong(frame.text());
            case '$', '=' -> textBulks ? frame.text() : frame.data();
            case '*', '~', '>', '%' -> {
                List<Object> items = new ArrayList<>(frame.items().size());
                for (Frame item : frame.items()) {
                    items.add(value(item, textBulks));
                }
                yield items;
            }
            default -> frame.text();
        };
    }

    public void readTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    public boolean open() {
        return socket.isConnected() && !socket.isClosed();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
