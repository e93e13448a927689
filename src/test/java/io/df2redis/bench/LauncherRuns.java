package io.df2redis.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** What the benchmarks that run {@code target/df2redis} read about a run: its peak memory and its stages. */
public final class LauncherRuns {

    private LauncherRuns() {
    }

    /** The process's peak resident set (VmHWM) in kB, 0 once it is gone. */
    public static long peakRssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (Exception gone) {
            // the process ended between two samples
        }
        return 0;
    }

    /** Each finished stage of {@code status.json} with its time, in plan order. */
    public static String stageTimes(Path statusFile) throws Exception {
        JsonNode status = new ObjectMapper().readTree(statusFile.toFile());
        List<String> parts = new ArrayList<>();
        for (JsonNode s : status.path("stages")) {
            if (s.hasNonNull("startedAt") && s.hasNonNull("finishedAt")) {
                Duration took = Duration.between(Instant.parse(s.get("startedAt").asText()), Instant.parse(s.get("finishedAt").asText()));
                parts.add(s.path("name").asText() + " " + String.format("%.2f s", took.toMillis() / 1000.0));
            }
        }
        return String.join(", ", parts);
    }
}
