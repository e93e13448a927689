package io.df2redis.state;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * One owner per state directory: an exclusive lock on {@code <stateDir>/.lock}, held for the life of
 * the process that runs a plan or serves ({@code migrate}, {@code rollback}, {@code serve}). The
 * operating system releases it when the process ends, {@code kill -9} included. The file names the
 * holder (pid, host, since), so a second process can say who holds it. Blocking (file I/O).
 */
public final class StateDirLock {

    public static final String FILE = ".lock";

    /** The lock of this process, kept open until it exits. */
    private static FileLock held;

    private StateDirLock() {
    }

    /** Takes the lock of {@code stateDir}, or throws {@link StateDirInUseException} naming who holds it. */
    public static void acquire(Path stateDir) throws IOException {
        acquire(stateDir, java.util.Optional.empty());
    }

    /**
     * Takes the lock, recording {@code api} (the holder's REST address, {@code http://host:port}) when
     * it serves one, so that {@code rollback} can reach a {@code migrate --show} on another port.
     */
    public static synchronized void acquire(Path stateDir, java.util.Optional<String> api) throws IOException {
        if (held != null) {
            return;
        }
        Files.createDirectories(stateDir);
        Path file = stateDir.resolve(FILE);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            String holder = Files.readString(file, StandardCharsets.UTF_8).trim().replace('\n', ' ');
            channel.close();
            throw new StateDirInUseException("the state directory " + stateDir + " is in use by another df2redis process ("
                    + (holder.isEmpty() ? "holder unknown" : holder) + "): wait for it to end or stop it, or give this run "
                    + "another stateDir");
        }
        String me = "pid=" + ProcessHandle.current().pid() + " host=" + hostName() + " since=" + Instant.now()
                + api.map(a -> " api=" + a).orElse("");
        channel.truncate(0);
        channel.write(ByteBuffer.wrap((me + "\n").getBytes(StandardCharsets.UTF_8)), 0);
        channel.force(false);
        held = lock;
    }

    /**
     * The REST address the last holder recorded, if any; whether it still answers is for the caller
     * to find out (a holder killed with {@code -9} leaves the file behind).
     */
    public static java.util.Optional<String> recordedApi(Path stateDir) {
        try {
            String holder = Files.readString(stateDir.resolve(FILE), StandardCharsets.UTF_8).trim();
            for (String part : holder.split("\\s+")) {
                if (part.startsWith("api=")) {
                    return java.util.Optional.of(part.substring("api=".length()));
                }
            }
        } catch (IOException e) {
            // no lock file: nobody recorded an address
        }
        return java.util.Optional.empty();
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** The state directory is locked by another process. */
    public static final class StateDirInUseException extends IOException {
        StateDirInUseException(String message) {
            super(message);
        }
    }
}
