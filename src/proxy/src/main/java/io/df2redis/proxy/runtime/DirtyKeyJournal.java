package io.df2redis.proxy.runtime;

import io.df2redis.contract.journal.JournalRecordWriter;
import io.df2redis.contract.journal.JournalSegments;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The dirty-key journal: sequence-numbered segment files of intent and commit records, encoded as the
 * contract's {@link JournalRecordWriter} says (the service reads them with the contract's reader).
 *
 * The calling thread writes its record itself (one {@code write} call, in file order under one
 * lock), so an intent is in the file, and survives the proxy's death, before its write is
 * forwarded (invariant I1) without a hand-off to another thread: measured, a hand-off per write
 * cost three quarters of the write throughput. The lock is held for that one {@code write} only
 * (a full segment is synced and closed by the background thread, not under the lock), so a write
 * is refused only when the journal truly cannot take it: the file cannot be written, the proxy is
 * stopping, or no write got through for {@code appendTimeoutMillis} (a stuck disk). A background
 * thread fsyncs every {@code fsyncIntervalMillis} ({@code interval}); {@code batch} fsyncs every
 * intent before its write goes on; {@code none} leaves it to the OS.
 */
final class DirtyKeyJournal implements AutoCloseable {

    private final Path dir;
    private final Path statusFile;
    private final long appendTimeoutMillis;
    private final String fsync;
    private final long fsyncIntervalMillis;
    private final int segmentRecords;
    private final ReentrantLock lock = new ReentrantLock();
    private final Thread background;
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong intents = new AtomicLong();
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong waiting = new AtomicLong();
    private volatile long head;
    /** The last sequence written by earlier proxy processes: their intents will get no commit record. */
    private final long startHead;
    private volatile boolean running = true;
    private volatile boolean dirty;
    private volatile String segmentName = "";
    private volatile String lastFailure = "none";
    /** Full segments waiting for the background thread to sync and close them. */
    private final java.util.concurrent.ConcurrentLinkedQueue<FileChannel> retired = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private FileChannel segment;
    private int recordsInSegment;
    private final java.util.concurrent.ConcurrentLinkedQueue<Commit> commitQueue = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private static final long COMMIT_INTERVAL_NANOS = 1_000_000;
    private final Thread commitWriter;
    /** The records of one write, reused under the lock. */
    private final JournalRecordWriter record = new JournalRecordWriter();

    DirtyKeyJournal(ProxySettings settings) throws IOException {
        this.dir = settings.journalDir;
        this.statusFile = settings.journalStatusFile;
        this.appendTimeoutMillis = settings.journalAppendTimeoutMillis;
        this.fsync = settings.journalFsync;
        this.fsyncIntervalMillis = settings.journalFsyncIntervalMillis;
        this.segmentRecords = settings.journalSegmentRecords;
        Files.createDirectories(dir);
        this.head = JournalSegments.lastSequence(dir);
        this.startHead = head;
        this.background = new Thread(this::backgroundLoop, "df2redis-journal-sync");
        this.background.setDaemon(true);
        this.background.start();
        this.commitWriter = new Thread(this::commitLoop, "df2redis-journal-commits");
        this.commitWriter.setDaemon(true);
        this.commitWriter.start();
    }

    /** One write to journal: the database, the command's name and the keys it writes. */
    record Intent(int db, String command, byte[][] keys) {
    }

    /** A commit waiting to be written, by whoever holds the journal's lock next. */
    private record Commit(long intentSeq, boolean ok, long millis) {
    }

    /**
     * Writes an intent before its write is forwarded.
     *
     * @return its sequence number, or -1 when the journal cannot take it (the write must be refused)
     */
    long intent(int db, String command, byte[][] keys) {
        long[] seqs = intents(List.of(new Intent(db, command, keys)));
        return seqs == null ? -1 : seqs[0];
    }

    /**
     * Writes the intents of several writes in one file write, before any of them is forwarded (the
     * writes of one client read, handed to Camellia together).
     *
     * @return their sequence numbers in order, or null when the journal cannot take them (all must be refused)
     */
    long[] intents(List<Intent> batch) {
        long now = System.currentTimeMillis();
        long[] seqs = append(batch, now);
        if (seqs != null) {
            intents.addAndGet(batch.size());
        }
        return seqs;
    }

    /**
     * Records the commit of an intent (the write has been answered), off the reply's path: the next
     * intent write takes the commits queued meanwhile, or the commit thread within a millisecond;
     * commits that arrive together (the replies of a pipeline) share one write.
     */
    void commit(long intentSeq, boolean ok) {
        commitQueue.add(new Commit(intentSeq, ok, System.currentTimeMillis()));
    }

    private void commitLoop() {
        while (running) {
            java.util.concurrent.locks.LockSupport.parkNanos(COMMIT_INTERVAL_NANOS);
            flushCommits();
        }
    }

    /** Writes the queued commits unless another thread holds the journal (it writes them before it lets go). */
    private void flushCommits() {
        while (!commitQueue.isEmpty() && running && lock.tryLock()) {
            try {
                write(List.of(), 0);
            } catch (IOException | RuntimeException e) {
                lastFailure = "journal file " + segmentName + ": " + e.getMessage();
                System.err.println("df2redis-proxy: journal commit write failed: " + e.getMessage());
                return;
            } finally {
                lock.unlock();
            }
        }
    }

    private long[] append(List<Intent> batch, long now) {
        waiting.incrementAndGet();
        try {
            if (!running) {
                lastFailure = "the proxy is stopping";
                refused.addAndGet(batch.size());
                return null;
            }
            if (!lock.tryLock(appendTimeoutMillis, TimeUnit.MILLISECONDS)) {
                lastFailure = "no journal write got through for " + appendTimeoutMillis + " ms: its disk is stuck";
                refused.addAndGet(batch.size());
                return null;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            refused.addAndGet(batch.size());
            return null;
        } finally {
            waiting.decrementAndGet();
        }
        try {
            return write(batch, now);
        } catch (IOException | RuntimeException e) {
            refused.addAndGet(batch.size());
            lastFailure = "journal file " + segmentName + ": " + e.getMessage();
            System.err.println("df2redis-proxy: journal write failed, write refused: " + e.getMessage());
            return null;
        } finally {
            lock.unlock();
            flushCommits();
        }
    }

    /**
     * Under the lock: the queued commits, then the intents, in one write (a segment rotates between
     * records when full). Sequence numbers follow file order.
     */
    private long[] write(List<Intent> batch, long now) throws IOException {
        long[] seqs = new long[batch.size()];
        long seq = head;
        int records = recordsInSegment;
        record.reset();
        int committed = 0;
        for (Commit commit = commitQueue.poll(); commit != null; commit = commitQueue.poll()) {
            if (segment == null || records >= segmentRecords) {
                flushRecords();
                rotate(seq + 1);
                records = 0;
            }
            seq++;
            records++;
            committed++;
            record.commit(seq, commit.millis(), commit.intentSeq(), commit.ok());
        }
        for (int i = 0; i < batch.size(); i++) {
            if (segment == null || records >= segmentRecords) {
                flushRecords();
                rotate(seq + 1);
                records = 0;
            }
            Intent intent = batch.get(i);
            seq++;
            records++;
            seqs[i] = seq;
            record.intent(seq, now, intent.db(), intent.command(), intent.keys());
        }
        flushRecords();
        if (!batch.isEmpty() && "batch".equals(fsync)) {
            segment.force(false);
        }
        head = seq;
        recordsInSegment = records;
        if (committed > 0) {
            commits.addAndGet(committed);
        }
        dirty = true;
        return seqs;
    }

    /** Writes what {@link #record} holds to the current segment. */
    private void flushRecords() throws IOException {
        if (record.size() == 0) {
            return;
        }
        ByteBuffer buffer = record.asBuffer();
        while (buffer.hasRemaining()) {
            segment.write(buffer);
        }
        record.reset();
    }

    /** Why the last refused record was refused. */
    String lastFailure() {
        return lastFailure;
    }

    long startHead() {
        return startHead;
    }

    long head() {
        return head;
    }

    long refused() {
        return refused.get();
    }

    long intents() {
        return intents.get();
    }

    long commits() {
        return commits.get();
    }

    /** Writers waiting for the journal right now. */
    long queueDepth() {
        return waiting.get();
    }

    String segmentName() {
        return segmentName;
    }

    private void backgroundLoop() {
        long lastStatus = 0;
        while (running) {
            try {
                Thread.sleep(Math.max(10, Math.min(fsyncIntervalMillis, 500)));
                if (dirty && "interval".equals(fsync)) {
                    sync();
                }
                flushCommits();
                closeRetired();
                if (System.currentTimeMillis() - lastStatus >= 500) {
                    lastStatus = System.currentTimeMillis();
                    writeStatus();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException | RuntimeException e) {
                System.err.println("df2redis-proxy: journal fsync/status failed: " + e.getMessage());
            }
        }
    }

    private void sync() throws IOException {
        FileChannel current;
        lock.lock();
        try {
            current = segment;
            dirty = false;
        } finally {
            lock.unlock();
        }
        if (current != null && current.isOpen()) {
            current.force(false);
        }
    }

    /** Syncs and closes full segments; their records stay readable by the drain meanwhile. */
    private void closeRetired() throws IOException {
        for (FileChannel full = retired.poll(); full != null; full = retired.poll()) {
            try {
                full.force(false);
            } finally {
                full.close();
            }
        }
    }

    private void rotate(long firstSeq) throws IOException {
        if (segment != null) {
            retired.add(segment);
            segment = null;
        }
        segmentName = JournalSegments.name(firstSeq);
        segment = FileChannel.open(dir.resolve(segmentName), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        recordsInSegment = 0;
    }

    private void writeStatus() throws IOException {
        String json = "{\"head\":" + head + ",\"intents\":" + intents.get() + ",\"commits\":" + commits.get()
                + ",\"refused\":" + refused.get() + ",\"waiting\":" + waiting.get() + ",\"segment\":\"" + segmentName
                + "\",\"updatedAt\":" + System.currentTimeMillis() + "}";
        Files.createDirectories(statusFile.toAbsolutePath().getParent());
        Path temp = statusFile.resolveSibling(statusFile.getFileName() + ".tmp");
        Files.writeString(temp, json, StandardCharsets.UTF_8);
        Files.move(temp, statusFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (!commitQueue.isEmpty()) {
                write(List.of(), 0);
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("df2redis-proxy: journal commits at close failed: " + e.getMessage());
        } finally {
            lock.unlock();
        }
        running = false;
        background.interrupt();
        lock.lock();
        try {
            closeRetired();
            if (segment != null) {
                segment.force(false);
                segment.close();
            }
            writeStatus();
        } catch (IOException e) {
            System.err.println("df2redis-proxy: journal close failed: " + e.getMessage());
        } finally {
            lock.unlock();
        }
    }
}
