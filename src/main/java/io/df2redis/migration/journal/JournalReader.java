package io.df2redis.migration.journal;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads the dirty-key journal the proxy plugin writes ({@code journal-<first seq>.log} segments of
 * {@code I <seq> <ms> <db> <command> <base64 keys...>} intent and {@code C ...} commit records). Blocking
 * file I/O: call it off the event loop. A torn last line (the proxy died mid-write) ends the read.
 */
public final class JournalReader {

    private static final String PREFIX = "journal-";

    private final Path dir;

    public JournalReader(Path dir) {
        this.dir = dir;
    }

    /** A dirty key, deduplicated within a batch. */
    public record DirtyKey(int db, byte[] key) {
    }

    /**
     * The intents after {@code applied}, at most {@code maxIntents}, their keys deduplicated.
     *
     * @param lastSeq the sequence number the batch reaches (commit records count too), {@code applied} when empty
     * @param oldestMillis the time of the batch's first intent, 0 when empty
     */
    public record Batch(List<DirtyKey> keys, int intents, long lastSeq, long oldestMillis) {
        public boolean empty() {
            return intents == 0;
        }
    }

    public Batch next(long applied, int maxIntents) throws IOException {
        Map<String, DirtyKey> keys = new LinkedHashMap<>();
        int intents = 0;
        long last = applied;
        long oldest = 0;
        for (Path segment : segmentsFrom(applied + 1)) {
            try (BufferedReader lines = Files.newBufferedReader(segment, StandardCharsets.US_ASCII)) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    String[] fields = line.split(" ");
                    long seq;
                    try {
                        seq = fields.length >= 4 ? Long.parseLong(fields[1]) : -1;
                    } catch (NumberFormatException e) {
                        seq = -1;
                    }
                    if (seq < 0) {
                        return new Batch(List.copyOf(keys.values()), intents, last, oldest);
                    }
                    if (seq <= applied) {
                        continue;
                    }
                    if (fields[0].equals("I")) {
                        if (intents == maxIntents) {
                            return new Batch(List.copyOf(keys.values()), intents, last, oldest);
                        }
                        intents++;
                        if (oldest == 0) {
                            oldest = Long.parseLong(fields[2]);
                        }
                        int db = Integer.parseInt(fields[3]);
                        for (int i = 5; i < fields.length; i++) {
                            keys.remove(db + ":" + fields[i]);
                            keys.put(db + ":" + fields[i], new DirtyKey(db, Base64.getDecoder().decode(fields[i])));
                        }
                    }
                    last = seq;
                }
            } catch (NoSuchFileException e) {
                // pruned meanwhile: the next segment goes on
            }
        }
        return new Batch(List.copyOf(keys.values()), intents, last, oldest);
    }

    /** Deletes segments whose every record is at or before {@code applied}; the newest segment stays. */
    public int deleteApplied(long applied) throws IOException {
        List<Path> segments = segments();
        int deleted = 0;
        for (int i = 0; i + 1 < segments.size(); i++) {
            if (firstSeq(segments.get(i + 1)) - 1 <= applied) {
                Files.deleteIfExists(segments.get(i));
                deleted++;
            }
        }
        return deleted;
    }

    private List<Path> segmentsFrom(long seq) throws IOException {
        List<Path> all = segments();
        int start = 0;
        for (int i = 0; i < all.size(); i++) {
            if (firstSeq(all.get(i)) <= seq) {
                start = i;
            }
        }
        return all.subList(start, all.size());
    }

    private List<Path> segments() throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return new ArrayList<>(files.filter(f -> f.getFileName().toString().startsWith(PREFIX)
                            && f.getFileName().toString().endsWith(".log"))
                    .sorted().toList());
        }
    }

    private static long firstSeq(Path segment) {
        return Long.parseLong(segment.getFileName().toString().replaceAll("\\D", ""));
    }
}
