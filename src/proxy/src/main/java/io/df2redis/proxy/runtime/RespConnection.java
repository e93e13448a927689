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
