package io.df2redis.proxy.runtime;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The dirty-key journal: sequence-numbered segment files of intent and commit records.
 *
 * <pre>
 * I &lt;seq&gt; &lt;epoch ms&gt; &lt;db&gt; &lt;command&gt; &lt;base64 key&gt;[ &lt;base64 key&gt;...]   before the write is forwarded
 * C &lt;seq&gt; &lt;epoch ms&gt; &lt;intent seq&gt; ok|err                             after the primary replied
 * </pre>
 *
 * Records go through a bounded queue to one writer thread, which numbers them in file order,
 * writes them in batches and then releases the waiting requests (group commit): an intent is in
 * the file, so it survives the proxy's death, before its write is forwarded (invariant I1). With
 * {@code fsync=batch} it is also on disk. A full queue or a writer that does not answer in time
 * refuses the write (fail closed).
 */
final class DirtyKeyJournal implements AutoCloseable {

    private static final byte[] NEWLINE = {'\n'};

    private final Path dir;
    private final Path statusFile;
    private final BlockingQueue<Record> queue;
    private final long appendTimeoutMillis;
    private final String fsync;
    private final long fsyncIntervalMillis;
    private final int segmentRecords;
    private final Thread writer;
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong intents = new AtomicLong();
    private final AtomicLong commits = new AtomicLong();
    private volatile long head;
    private volatile boolean running = true;
    private volatile String segmentName = "";
    private FileChannel segment;
    private int recordsInSegment;
    private long lastFsync;
    private long lastStatus;

    /** One record on its way to the file; {@link #written} completes with its sequence number. */
    static final class Record {
        final char kind;
        final long ts;
        final int db;
        final String command;
        final byte[][] keys;
        final long intentSeq;
        final boolean ok;
        final CompletableFuture<Long> written = new CompletableFuture<>();

        private Record(char kind, long ts, int db, String command, byte[][] keys, long intentSeq, boolean ok) {
            this.kind = kind;
            this.ts = ts;
            this.db = db;
            this.command = command;
            this.keys = keys;
            this.intentSeq = intentSeq;
            this.ok = ok;
        }
    }

    DirtyKeyJournal(ProxySettings settings) throws IOException {
        this.dir = settings.journalDir;
        this.statusFile = settings.journalStatusFile;
        this.queue = new ArrayBlockingQueue<>(settings.journalQueue);
        this.appendTimeoutMillis = settings.journalAppendTimeoutMillis;
        this.fsync = settings.journalFsync;
        this.fsyncIntervalMillis = settings.journalFsyncIntervalMillis;
        this.segmentRecords = settings.journalSegmentRecords;
        Files.createDirectories(dir);
        this.head = lastSequence(dir);
        this.writer = new Thread(this::writeLoop, "df2redis-journal-writer");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    /**
     * Appends an intent and waits until it is in the file.
     *
     * @return its sequence number, or -1 when the journal cannot take it (the write must be refused)
     */
    long intent(int db, String command, byte[][] keys) {
        Record record = new Record('I', System.currentTimeMillis(), db, command, keys, 0, true);
        if (!running || !queue.offer(record)) {
            refused.incrementAndGet();
            return -1;
        }
        try {
            return record.written.get(appendTimeoutMillis, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            refused.incrementAndGet();
            return -1;
        }
    }

    /** Appends the commit of an intent without waiting (the write has been answered already). */
    void commit(long intentSeq, boolean ok) {
        Record record = new Record('C', System.currentTimeMillis(), 0, null, null, intentSeq, ok);
        if (!queue.offer(record)) {
            refused.incrementAndGet();
        }
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

    int queueDepth() {
        return queue.size();
    }

    String segmentName() {
        return segmentName;
    }

    private void writeLoop() {
        List<Record> batch = new ArrayList<>(4096);
        while (running || !queue.isEmpty()) {
            try {
                Record first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch, 4095);
                    writeBatch(batch);
                    batch.clear();
                }
                maybeFsync(false);
                maybeWriteStatus(false);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (IOException | RuntimeException e) {
                System.err.println("df2redis-proxy: journal write failed: " + e.getMessage());
                batch.forEach(r -> r.written.completeExceptionally(e));
                batch.clear();
            }
        }
    }

    private void writeBatch(List<Record> batch) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(estimate(batch));
        long[] sequences = new long[batch.size()];
        for (int i = 0; i < batch.size(); i++) {
            Record record = batch.get(i);
            if (segment == null || recordsInSegment >= segmentRecords) {
                flush(buffer);
                buffer.clear();
                rotate(head + 1);
            }
            long seq = ++head;
            sequences[i] = seq;
            encode(record, seq, buffer);
            recordsInSegment++;
        }
        flush(buffer);
        if ("batch".equals(fsync)) {
            segment.force(false);
        }
        for (int i = 0; i < batch.size(); i++) {
            Record record = batch.get(i);
            if (record.kind == 'I') {
                intents.incrementAndGet();
            } else {
                commits.incrementAndGet();
            }
            record.written.complete(sequences[i]);
        }
    }

    private void encode(Record record, long seq, ByteBuffer buffer) {
        StringBuilder line = new StringBuilder(64).append(record.kind).append(' ').append(seq).append(' ').append(record.ts);
        if (record.kind == 'I') {
            line.append(' ').append(record.db).append(' ').append(record.command);
            for (byte[] key : record.keys) {
                line.append(' ').append(Base64.getEncoder().encodeToString(key));
            }
        } else {
            line.append(' ').append(record.intentSeq).append(' ').append(record.ok ? "ok" : "err");
        }
        buffer.put(line.toString().getBytes(StandardCharsets.US_ASCII)).put(NEWLINE);
    }

    private static int estimate(List<Record> batch) {
        int size = 0;
        for (Record record : batch) {
            size += 96;
            if (record.keys != null) {
                for (byte[] key : record.keys) {
                    size += 4 + key.length * 4 / 3 + 4;
                }
            }
        }
        return size;
    }

    private void flush(ByteBuffer buffer) throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            segment.write(buffer);
        }
    }

    private void rotate(long firstSeq) throws IOException {
        if (segment != null) {
            segment.force(false);
            segment.close();
        }
        segmentName = String.format("journal-%020d.log", firstSeq);
        segment = FileChannel.open(dir.resolve(segmentName), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        recordsInSegment = 0;
    }

    private void maybeFsync(boolean now) throws IOException {
        if (segment == null || "none".equals(fsync)) {
            return;
        }
        long time = System.currentTimeMillis();
        if (now || time - lastFsync >= fsyncIntervalMillis) {
            segment.force(false);
            lastFsync = time;
        }
    }

    private void maybeWriteStatus(boolean now) throws IOException {
        long time = System.currentTimeMillis();
        if (!now && time - lastStatus < 500) {
            return;
        }
        lastStatus = time;
        String json = "{\"head\":" + head + ",\"intents\":" + intents.get() + ",\"commits\":" + commits.get()
                + ",\"refused\":" + refused.get() + ",\"queueDepth\":" + queue.size() + ",\"segment\":\"" + segmentName
                + "\",\"updatedAt\":" + time + "}";
        Files.createDirectories(statusFile.toAbsolutePath().getParent());
        Path temp = statusFile.resolveSibling(statusFile.getFileName() + ".tmp");
        Files.writeString(temp, json, StandardCharsets.UTF_8);
        Files.move(temp, statusFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The highest sequence number already in the journal, so a restarted proxy continues the numbering. */
    static long lastSequence(Path dir) throws IOException {
        Path last;
        try (Stream<Path> files = Files.list(dir)) {
            last = files.filter(f -> f.getFileName().toString().startsWith("journal-"))
                    .max(Path::compareTo).orElse(null);
        }
        if (last == null) {
            return 0;
        }
        long max = Long.parseLong(last.getFileName().toString().replaceAll("\\D", "")) - 1;
        for (String line : Files.readAllLines(last, StandardCharsets.US_ASCII)) {
            String[] fields = line.split(" ", 3);
            if (fields.length >= 2) {
                try {
                    max = Math.max(max, Long.parseLong(fields[1]));
                } catch (NumberFormatException e) {
                    break;
                }
            }
        }
        return max;
    }

    @Override
    public void close() {
        running = false;
        try {
            writer.join(5000);
            maybeFsync(true);
            maybeWriteStatus(true);
            if (segment != null) {
                segment.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            System.err.println("df2redis-proxy: journal close failed: " + e.getMessage());
        }
    }
}
