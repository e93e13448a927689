package io.df2redis.proxy.runtime;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A blocking RESP connection of the plugin's own (to the target), used by one thread. */
final class RespConnection implements AutoCloseable {

    private final Socket socket = new Socket();
    private final OutputStream out;
    private final InputStream in;

    RespConnection(String host, int port, String user, String password) throws IOException {
        socket.connect(new InetSocketAddress(host, port), 2000);
        socket.setSoTimeout(5000);
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

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    void write(List<byte[]> args) throws IOException {
        out.write(("*" + args.size() + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (byte[] arg : args) {
            out.write(("$" + arg.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(arg);
            out.write('\r');
            out.write('\n');
        }
    }

    void flush() throws IOException {
        out.flush();
    }

    /** The first line of the next reply ('+', '-', ':'); bulk strings are returned as "$" + text; arrays are flattened into lines. */
    String readReply() throws IOException {
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

    private byte[] readLineBytes() throws IOException {
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
    String roundTrip(String... args) throws IOException {
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
    record Frame(byte[] raw, char type, byte[] data, List<Frame> items) {

        boolean isNull() {
            return type == '_' || (type == '$' || type == '*') && data == null && items == null;
        }

        boolean isError() {
            return type == '-' || type == '!';
        }

        /** The text of a simple, bulk or number reply ({@code ""} for an aggregate or a null). */
        String text() {
            return data == null ? "" : new String(data, StandardCharsets.UTF_8);
        }
    }

    /** Reads one whole reply (see {@link Frame}); blocks as long as the socket's read timeout allows. */
    Frame readFrame() throws IOException {
        java.io.ByteArrayOutputStream raw = new java.io.ByteArrayOutputStream(64);
        Frame frame = readFrame(raw);
        return new Frame(raw.toByteArray(), frame.type(), frame.data(), frame.items());
    }

    private Frame readFrame(java.io.ByteArrayOutputStream raw) throws IOException {
        byte[] lineBytes = readLineBytes();
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
                    items.add(readFrame(raw));
                }
                if (type == '|') {
                    return readFrame(raw); // attributes precede the reply they describe
                }
                return new Frame(null, type, null, items);
            }
            default:
                return new Frame(null, type, rest.getBytes(StandardCharsets.UTF_8), null);
        }
    }

    void readTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    boolean open() {
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
