package io.df2redis.local;

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
import java.util.Optional;

/**
 * A small blocking RESP2 client, one connection per call, for the demo's data loading and for
 * tests that act as an application. The service itself uses the reactive client.
 */
public final class RespClient {

    private final String host;
    private final int port;
    private final Optional<String> password;

    public RespClient(String host, int port, Optional<String> password) {
        this.host = host;
        this.port = port;
        this.password = password;
    }

    /** Runs one command and returns its reply: String, Long, List, null or a {@link RedisError}. */
    public Object command(String... args) throws IOException {
        return pipeline(List.of(List.of(args))).get(0);
    }

    /** Sends all commands in one write and reads all replies, in order. */
    public List<Object> pipeline(List<List<String>> commands) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 2000);
            socket.setSoTimeout(30_000);
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
            InputStream in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
            int auth = 0;
            if (password.isPresent()) {
                write(out, List.of("AUTH", password.get()));
                auth = 1;
            }
            for (List<String> command : commands) {
                write(out, command);
            }
            out.flush();
            List<Object> replies = new ArrayList<>(commands.size());
            for (int i = 0; i < commands.size() + auth; i++) {
                Object reply = read(in);
                if (i >= auth) {
                    replies.add(reply);
                }
            }
            return replies;
        }
    }

    /** An error reply. */
    public record RedisError(String message) {
    }

    /** A kept connection: commands on it are ordered, one reply read per command. */
    public Connection connect() throws IOException {
        return new Connection();
    }

    /** One connection, kept open; not thread-safe. */
    public final class Connection implements AutoCloseable {
        private final Socket socket = new Socket();
        private final OutputStream out;
        private final InputStream in;

        private Connection() throws IOException {
            socket.connect(new InetSocketAddress(host, port), 2000);
            socket.setSoTimeout(30_000);
            socket.setTcpNoDelay(true);
            out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
            in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
            if (password.isPresent()) {
                Object reply = command("AUTH", password.get());
                if (reply instanceof RedisError error) {
                    close();
                    throw new IOException("AUTH refused: " + error.message());
                }
            }
        }

        public Object command(String... args) throws IOException {
            write(out, List.of(args));
            out.flush();
            return read(in);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    static void write(OutputStream out, List<String> command) throws IOException {
        out.write(("*" + command.size() + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (String arg : command) {
            byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
            out.write(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(bytes);
            out.write('\r');
            out.write('\n');
        }
    }

    static Object read(InputStream in) throws IOException {
        int type = in.read();
        if (type < 0) {
            throw new IOException("connection closed");
        }
        String line = readLine(in);
        switch (type) {
            case '+':
                return line;
            case '-':
                return new RedisError(line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int length = Integer.parseInt(line);
                if (length < 0) {
                    return null;
                }
                byte[] bytes = in.readNBytes(length);
                in.readNBytes(2);
                return new String(bytes, StandardCharsets.UTF_8);
            }
            case '*': {
                int count = Integer.parseInt(line);
                if (count < 0) {
                    return null;
                }
                List<Object> items = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    items.add(read(in));
                }
                return items;
            }
            default:
                throw new IOException("unexpected RESP type " + (char) type);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != '\r') {
            if (c < 0) {
                throw new IOException("connection closed");
            }
            line.append((char) c);
        }
        in.read();
        return line.toString();
    }
}
