package io.df2redis.contract.journal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The journal's segment files: {@code journal-<first seq, 20 digits>.log} in the journal directory, so that
 * names sort in sequence order. Blocking file I/O.
 */
public final class JournalSegments {

    private static final String PREFIX = "journal-";
    private static final String SUFFIX = ".log";

    private JournalSegments() {
    }

    /** The name of the segment whose first record is {@code firstSeq}. */
    public static String name(long firstSeq) {
        return String.format("%s%020d%s", PREFIX, firstSeq, SUFFIX);
    }

    public static boolean isSegment(Path file) {
        String name = file.getFileName().toString();
        return name.startsWith(PREFIX) && name.endsWith(SUFFIX);
    }

    public static long firstSeq(Path segment) {
        String name = segment.getFileName().toString();
        return Long.parseLong(name.substring(PREFIX.length(), name.length() - SUFFIX.length()));
    }

    /** The segments of {@code dir} in sequence order; none when the directory does not exist. */
    public static List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(JournalSegments::isSegment).sorted().toList();
        }
    }

    /**
     * The highest sequence number in the journal (its newest segment read up to a line with no number), so that a
     * restarted proxy continues the numbering past every number already used, a torn record's too; 0 when there is
     * no segment.
     */
    public static long lastSequence(Path dir) throws IOException {
        List<Path> segments = list(dir);
        if (segments.isEmpty()) {
            return 0;
        }
        Path last = segments.get(segments.size() - 1);
        long max = firstSeq(last) - 1;
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
}
