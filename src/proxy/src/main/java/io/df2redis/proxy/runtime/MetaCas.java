package io.df2redis.proxy.runtime;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The meta CAS hook: after a committed write, sets the target's meta key of the written key to the
 * write's time when that is newer ({@code EVALSHA} of the script named in hook.json), so that an
 * importer can skip a key the proxy wrote after T0. Asynchronous and lossy on purpose: a dropped
 * meta update only costs a copy the journal drain redoes anyway. The hook file is read again when
 * it changes; a target that lost its scripts ({@code NOSCRIPT}) gets the script loaded again.
 */
final class MetaCas implements AutoCloseable {

    private final Path hookFile;
    private final BlockingQueue<Update> queue = new ArrayBlockingQueue<>(65536);
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong reloads = new AtomicLong();
    private final Thread worker;
    private volatile boolean running = true;
    private volatile Hook hook;
    private long hookModified = -1;
    private Socket socket;
    private OutputStream out;
    private InputStream in;

    private record Update(byte[] key, long ts) {
    }

    /** hook.json as the meta-hook stage writes it (flat keys, parsed without a JSON library). */
    record Hook(boolean enabled, String sha, String script, String pattern, String host, int port, String user, String password,
            boolean cluster) {
    }

    MetaCas(Path hookFile) {
        this.hookFile = hookFile;
        this.worker = new Thread(this::run, "df2redis-meta-cas");
        this.worker.setDaemon(true);
        this.worker.start();
    }

    /** Queues the meta update of a committed write; drops it (counted) when the hook is off or the queue full. */
    void written(byte[][] keys, long ts) {
        Hook current = hook;
        if (current == null || !current.enabled() || current.cluster()) {
            return;
        }
        for (byte[] key : keys) {
            if (!queue.offer(new Update(key, ts))) {
                dropped.incrementAndGet();
            }
        }
    }

    long applied() {
        return applied.get();
    }

    long dropped() {
        return dropped.get();
    }

    long scriptReloads() {
        return reloads.get();
    }

    boolean active() {
        Hook current = hook;
        return current != null && current.enabled() && !current.cluster();
    }

    private void run() {
        List<Update> batch = new ArrayList<>(512);
        long lastHookCheck = 0;
        while (running) {
            try {
                if (System.currentTimeMillis() - lastHookCheck > 1000) {
                    lastHookCheck = System.currentTimeMillis();
                    reloadHookIfChanged();
                }
                Update first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, 511);
                send(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException | RuntimeException e) {
                dropped.addAndGet(batch.size());
                closeConnection();
                System.err.println("df2redis-proxy: meta CAS batch dropped: " + e.getClass().getSimpleName() + " " + e.getMessage());
            } finally {
                batch.clear();
            }
        }
    }

    private void send(List<Update> batch) throws IOException {
        Hook current = hook;
        if (current == null || !current.enabled()) {
            return;
        }
        connect(current);
        for (Update update : batch) {
            writeCommand(List.of("EVALSHA".getBytes(StandardCharsets.US_ASCII), current.sha().getBytes(StandardCharsets.US_ASCII),
                    "1".getBytes(StandardCharsets.US_ASCII), metaKey(current.pattern(), update.key()),
                    Long.toString(update.ts()).getBytes(StandardCharsets.US_ASCII)));
        }
        out.flush();
        boolean noScript = false;
        for (int i = 0; i < batch.size(); i++) {
            String reply = readReply();
            if (reply.startsWith("-NOSCRIPT")) {
                noScript = true;
            } else if (!reply.startsWith("-")) {
                applied.incrementAndGet();
            }
        }
        if (noScript) {
            reloads.incrementAndGet();
            writeCommand(List.of("SCRIPT".getBytes(StandardCharsets.US_ASCII), "LOAD".getBytes(StandardCharsets.US_ASCII),
                    current.script().getBytes(StandardCharsets.UTF_8)));
            out.flush();
            String loaded = readReply();
            if (loaded.startsWith("-")) {
                throw new IOException("SCRIPT LOAD refused: " + loaded);
            }
            send(batch);
        }
    }

    static byte[] metaKey(String pattern, byte[] key) {
        String hole = pattern.contains("%s") ? "%s" : "{key}";
        int at = pattern.indexOf(hole);
        byte[] prefix = pattern.substring(0, at).getBytes(StandardCharsets.UTF_8);
        byte[] suffix = pattern.substring(at + hole.length()).getBytes(StandardCharsets.UTF_8);
        byte[] meta = new byte[prefix.length + key.length + suffix.length];
        System.arraycopy(prefix, 0, meta, 0, prefix.length);
        System.arraycopy(key, 0, meta, prefix.length, key.length);
        System.arraycopy(suffix, 0, meta, prefix.length + key.length, suffix.length);
        return meta;
    }

    private void connect(Hook current) throws IOException {
        if (socket != null && socket.isConnected() && !socket.isClosed()) {
            return;
        }
        socket = new Socket();
        socket.connect(new InetSocketAddress(current.host(), current.port()), 2000);
        socket.setSoTimeout(5000);
        socket.setTcpNoDelay(true);
        out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
        in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
        if (current.password() != null && !current.password().isEmpty()) {
            List<byte[]> auth = new ArrayList<>();
            auth.add("AUTH".getBytes(StandardCharsets.US_ASCII));
            if (current.user() != null && !current.user().isEmpty()) {
                auth.add(current.user().getBytes(StandardCharsets.UTF_8));
            }
            auth.add(current.password().getBytes(StandardCharsets.UTF_8));
            writeCommand(auth);
            out.flush();
            String reply = readReply();
            if (reply.startsWith("-")) {
                throw new IOException("the target refused AUTH (check target.password)");
            }
        }
    }

    private void closeConnection() {
        try {
            if (socket != null) {
                socket.close();
            }
        } catch (IOException ignored) {
            // closing anyway
        }
        socket = null;
    }

    private void writeCommand(List<byte[]> args) throws IOException {
        out.write(("*" + args.size() + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (byte[] arg : args) {
            out.write(("$" + arg.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(arg);
            out.write('\r');
            out.write('\n');
        }
    }

    /** Reads one reply and returns its first line ('+', '-', ':' replies; bulk/array replies are skipped over). */
    private String readReply() throws IOException {
        String line = readLine();
        char type = line.charAt(0);
        if (type == '$') {
            int length = Integer.parseInt(line.substring(1));
            if (length >= 0) {
                in.readNBytes(length + 2);
            }
        } else if (type == '*') {
            int count = Integer.parseInt(line.substring(1));
            for (int i = 0; i < count; i++) {
                readReply();
            }
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

    private void reloadHookIfChanged() {
        try {
            if (!Files.exists(hookFile)) {
                hook = null;
                return;
            }
            long modified = Files.getLastModifiedTime(hookFile).toMillis() ^ Files.size(hookFile);
            if (modified == hookModified) {
                return;
            }
            hookModified = modified;
            hook = parse(Files.readString(hookFile, StandardCharsets.UTF_8));
            closeConnection();
        } catch (IOException | RuntimeException e) {
            System.err.println("df2redis-proxy: cannot read the hook file: " + e.getClass().getSimpleName());
        }
    }

    static Hook parse(String json) {
        return new Hook(Boolean.parseBoolean(field(json, "enableCas")), field(json, "scriptSha"), unescape(field(json, "script")),
                field(json, "metaKeyPattern"), field(json, "targetHost"), Integer.parseInt(field(json, "targetPort")),
                field(json, "targetUser"), field(json, "targetPassword"), Boolean.parseBoolean(field(json, "targetCluster")));
    }

    /** The value of a top-level field of a flat JSON object written by df2redis (strings, booleans, numbers). */
    private static String field(String json, String name) {
        String marker = "\"" + name + "\":";
        int at = json.indexOf(marker);
        if (at < 0) {
            return null;
        }
        int start = at + marker.length();
        while (Character.isWhitespace(json.charAt(start))) {
            start++;
        }
        if (json.charAt(start) == '"') {
            StringBuilder value = new StringBuilder();
            for (int i = start + 1; i < json.length(); i++) {
                char c = json.charAt(i);
                if (c == '\\') {
                    value.append(c).append(json.charAt(++i));
                } else if (c == '"') {
                    return value.toString();
                } else {
                    value.append(c);
                }
            }
            throw new IllegalArgumentException("unterminated string in hook file at " + name);
        }
        int end = start;
        while (end < json.length() && ",}".indexOf(json.charAt(end)) < 0) {
            end++;
        }
        String raw = json.substring(start, end).trim();
        return "null".equals(raw) ? null : raw;
    }

    private static String unescape(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length()) {
                char next = text.charAt(++i);
                switch (next) {
                    case 'n' -> out.append('\n');
                    case 't' -> out.append('\t');
                    case 'r' -> out.append('\r');
                    case 'u' -> {
                        out.append((char) Integer.parseInt(text.substring(i + 1, i + 5), 16));
                        i += 4;
                    }
                    default -> out.append(next);
                }
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    @Override
    public void close() {
        running = false;
        worker.interrupt();
        closeConnection();
    }
}
