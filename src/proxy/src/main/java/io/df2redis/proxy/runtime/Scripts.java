package io.df2redis.proxy.runtime;

import com.netease.nim.camellia.redis.proxy.command.Command;
import com.netease.nim.camellia.redis.proxy.reply.ErrorReply;
import io.df2redis.contract.console.ScriptFigures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;

/**
 * The Lua scripts applications run through the proxy, so that a script keeps its meaning on both sides
 * and after the flip:
 * <ul>
 *   <li>every body seen in {@code EVAL}, {@code EVAL_RO} or {@code SCRIPT LOAD} is recorded by its SHA1
 *   (bounded: {@code scripts.maxCount} bodies, {@code scripts.maxBytes} in all), kept under
 *   {@code <scripts.dir>/<sha>.lua} (0600: a body may hold data) and listed on the console, for the
 *   service to {@code SCRIPT LOAD} on the side about to take reads or writes;</li>
 *   <li>{@code EVALSHA}/{@code EVALSHA_RO} of a recorded body is sent as {@code EVAL}/{@code EVAL_RO} with that
 *   body: a side whose script cache lacks it (the target before the flip, a restarted server) runs it anyway,
 *   where Camellia would drop the mirror's {@code NOSCRIPT} and leave the two sides different;</li>
 *   <li>{@code EVALSHA} of a body the proxy never saw, while writes go to two servers, is answered
 *   {@code NOSCRIPT} and runs nowhere (it would run on one side only): the client's usual fallback sends
 *   {@code EVAL}, which is then recorded;</li>
 *   <li>script runs that may write are counted ({@code runs}; {@code flaggedRuns} for bodies that ask for
 *   {@code allow-undeclared-keys} themselves): keys a script writes without declaring them are not in the
 *   journal, so the service verifies everything after such runs.</li>
 * </ul>
 * Files are written off the event loop, by one thread of their own.
 */
final class Scripts implements AutoCloseable {

    static final String NOSCRIPT = "NOSCRIPT No matching script. Please use EVAL.";
    private static final byte[] EVAL = "EVAL".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EVAL_RO = "EVAL_RO".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] UNDECLARED_FLAG = "allow-undeclared-keys".getBytes(StandardCharsets.US_ASCII);

    private final Path dir;
    private final int maxCount;
    private final long maxBytes;
    /** sha (lower-case hex) -> body, in the order first seen. */
    private final Map<String, byte[]> bodies = new LinkedHashMap<>();
    private long bytes;
    /** When this proxy process started counting: a new value tells the service the counters started again. */
    private final long since = System.currentTimeMillis();
    private final LongAdder runs = new LongAdder();
    private final LongAdder flaggedRuns = new LongAdder();
    private final LongAdder unrecorded = new LongAdder();
    private final LongAdder noscript = new LongAdder();
    private final LongAdder rewritten = new LongAdder();
    private volatile String lastFailure = "";
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "df2redis-scripts");
        thread.setDaemon(true);
        return thread;
    });

    Scripts(Path dir, int maxCount, long maxBytes) throws IOException {
        this.dir = dir;
        this.maxCount = maxCount;
        this.maxBytes = maxBytes;
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.lua")) {
            for (Path file : files) {
                byte[] body = Files.readAllBytes(file);
                if (bodies.size() < maxCount && bytes + body.length <= maxBytes) {
                    bodies.put(sha1(body), body);
                    bytes += body.length;
                }
            }
        }
    }

    /**
     * The gate's decision for a script command of a client on database {@code db}: null to go on as before
     * (the body, if any, is recorded), the command to forward instead, or the error to answer with.
     */
    Object decide(String name, Command command, int db, boolean twoServers) {
        byte[][] args = command.getObjects();
        switch (name) {
            case "eval":
            case "eval_ro":
                if (args.length >= 2 && db == 0) { // on another database the gate refuses scripts
                    record(args[1]);
                    counted(name, args[1]);
                }
                return null;
            case "script":
                if (args.length == 3 && "load".equalsIgnoreCase(LocalCommands.text(args[1]))) {
                    record(args[2]);
                }
                return null;
            case "evalsha":
            case "evalsha_ro":
                if (args.length < 2 || db != 0) {
                    return null;
                }
                byte[] body = body(LocalCommands.text(args[1]));
                if (body == null) {
                    if (!twoServers) {
                        return null;
                    }
                    noscript.increment();
                    return new ErrorReply(NOSCRIPT);
                }
                counted(name, body);
                rewritten.increment();
                byte[][] eval = args.clone();
                eval[0] = name.equals("evalsha") ? EVAL : EVAL_RO;
                eval[1] = body;
                return new Command(eval);
            default:
                return null;
        }
    }

    private void counted(String name, byte[] body) {
        if (name.endsWith("_ro")) {
            return;
        }
        runs.increment();
        if (indexOf(body, UNDECLARED_FLAG) >= 0) {
            flaggedRuns.increment();
        }
    }

    /** Records a body (from the gate or the console); false when the bound keeps it out. */
    boolean record(byte[] body) {
        String sha = sha1(body);
        synchronized (bodies) {
            if (bodies.containsKey(sha)) {
                return true;
            }
            if (bodies.size() >= maxCount || bytes + body.length > maxBytes) {
                unrecorded.increment();
                return false;
            }
            bodies.put(sha, body);
            bytes += body.length;
        }
        writer.execute(() -> persist(sha, body));
        return true;
    }

    private byte[] body(String sha) {
        synchronized (bodies) {
            return bodies.get(sha.toLowerCase(java.util.Locale.ROOT));
        }
    }

    /** Written to a temporary file created 0600, then moved into place: never readable by others, never half-written. */
    private void persist(String sha, byte[] body) {
        Path temp = dir.resolve(sha + ".tmp");
        try {
            Files.deleteIfExists(temp);
            Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(temp, body);
            Files.move(temp, dir.resolve(sha + ".lua"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            lastFailure = e.getClass().getSimpleName() + " writing " + sha + ".lua";
            System.err.println("df2redis-proxy: script " + sha + " not saved under " + dir + ": " + e.getClass().getSimpleName());
        }
    }

    /** The recorded bodies, in the order first seen. */
    List<byte[]> all() {
        synchronized (bodies) {
            return new ArrayList<>(bodies.values());
        }
    }

    /** The figures for the console's status (no body, no sha). */
    ScriptFigures figures() {
        int count;
        long size;
        synchronized (bodies) {
            count = bodies.size();
            size = bytes;
        }
        return new ScriptFigures(since, count, size, runs.sum(), flaggedRuns.sum(), rewritten.sum(), noscript.sum(), unrecorded.sum(),
                lastFailure);
    }

    /** Waits (bounded) for the files already queued, for a clean stop. */
    @Override
    public void close() {
        writer.shutdown();
        try {
            writer.awaitTermination(2, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String sha1(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this JVM", e);
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
