package io.df2redis.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Keeps the migration status in memory and on disk. Writes are atomic (temp file, fsync, rename)
 * so that another process can read the file at any moment, and coalesced on one writer thread so
 * that a burst of progress updates costs one write. {@link #durable()} waits until everything
 * changed so far is on disk: stages call it before they report a checkpoint.
 */
public class StatusStore implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(StatusStore.class);

    private final Path file;
    private final MigrationStatus status;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "df2redis-status-writer");
        thread.setDaemon(true);
        return thread;
    });
    private final List<Waiter> waiters = new ArrayList<>();
    private long version;
    private long writtenVersion;
    private boolean writeScheduled;
    private IOException lastWriteFailure;

    private record Waiter(long version, CompletableFuture<Void> future) {
    }

    private StatusStore(Path file, MigrationStatus status) {
        this.file = file;
        this.status = status;
    }

    /** Opens the status file, or starts an empty status when there is none yet. */
    public static StatusStore open(Path file) {
        return new StatusStore(file, read(file).orElseGet(MigrationStatus::new));
    }

    /** Reads a status file without opening it for writing (the CLI's {@code status}). */
    public static java.util.Optional<MigrationStatus> read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return java.util.Optional.empty();
        } catch (IOException e) {
            throw new StatusFileException("cannot read the status file " + file + " (" + io.df2redis.config.FileProblems.describe(e)
                    + "): make it and the state directory readable for this user, or set stateDir", e);
        }
        JsonNode tree;
        try {
            tree = StatusJson.MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw corrupt(file, e);
        }
        if (tree == null || !tree.isObject()) {
            throw corrupt(file, null);
        }
        int schema = tree.path("schema").asInt(-1);
        if (schema > MigrationStatus.CURRENT_SCHEMA) {
            throw new StatusFileException("status file " + file + " has schema " + schema
                    + ", written by a newer df2redis (this one reads schema " + MigrationStatus.CURRENT_SCHEMA
                    + "): run the newer version, or move the file aside to start a new migration", null);
        }
        if (schema < 1) {
            throw corrupt(file, null);
        }
        try {
            return java.util.Optional.of(StatusJson.MAPPER.treeToValue(tree, MigrationStatus.class));
        } catch (JsonProcessingException e) {
            throw corrupt(file, e);
        }
    }

    private static StatusFileException corrupt(Path file, Exception cause) {
        return new StatusFileException("status file " + file + " is not a valid df2redis status"
                + (cause == null ? "" : " (" + cause.getMessage().lines().findFirst().orElse("") + ")")
                + ": it was not reset. Restore it from a backup, or move it aside to start the migration over", cause);
    }

    public Path file() {
        return file;
    }

    /** Changes the status under the store's lock and schedules a write. */
    public void update(Consumer<MigrationStatus> change) {
        synchronized (this) {
            change.accept(status);
            status.updatedAt = Instant.now();
            version++;
            if (writeScheduled) {
                return;
            }
            writeScheduled = true;
            if (!writer.isShutdown()) {
                writer.execute(this::writeLatest);
                return;
            }
        }
        writeLatest();
    }

    /** Reads from the status under the store's lock. */
    public synchronized <T> T read(Function<MigrationStatus, T> reader) {
        return reader.apply(status);
    }

    /** The status as a JSON tree, consistent at one instant. */
    public synchronized JsonNode snapshot() {
        return StatusJson.MAPPER.valueToTree(status);
    }

    /** Completes when every change made before this call is on disk; fails if the write failed. */
    public CompletableFuture<Void> durable() {
        synchronized (this) {
            if (writtenVersion >= version) {
                return lastWriteFailure == null ? CompletableFuture.completedFuture(null)
                        : CompletableFuture.failedFuture(lastWriteFailure);
            }
            CompletableFuture<Void> future = new CompletableFuture<>();
            waiters.add(new Waiter(version, future));
            return future;
        }
    }

    private void writeLatest() {
        byte[] bytes;
        long writing;
        synchronized (this) {
            writeScheduled = false;
            writing = version;
            try {
                bytes = StatusJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(status);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("status is not serialisable", e);
            }
        }
        IOException failure = null;
        try {
            writeAtomically(bytes);
        } catch (IOException e) {
            failure = e;
            LOG.errorf("cannot write status file %s: %s", file, e.getMessage());
        }
        List<Waiter> released = new ArrayList<>();
        synchronized (this) {
            writtenVersion = Math.max(writtenVersion, writing);
            lastWriteFailure = failure;
            waiters.removeIf(w -> {
                if (w.version <= writtenVersion) {
                    released.add(w);
                    return true;
                }
                return false;
            });
        }
        for (Waiter w : released) {
            if (failure == null) {
                w.future.complete(null);
            } else {
                w.future.completeExceptionally(failure);
            }
        }
    }

    private void writeAtomically(byte[] bytes) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = dir.resolve(file.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        try {
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
            directory.force(true);
        } catch (IOException ignored) {
            // Not every file system lets a directory be opened for fsync; the rename is still atomic.
        }
    }

    /** Writes what is pending and stops the writer thread. */
    @Override
    public void close() {
        if (writer.isShutdown()) {
            return;
        }
        try {
            durable().get(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warnf("status file %s: last write not confirmed: %s", file, e.getMessage());
        }
        writer.shutdown();
    }
}
