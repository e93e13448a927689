package io.df2redis.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/** The temporary directories of tests and benchmarks (servers' files, state): deleted when they are done. */
public final class TempDirs {

    private TempDirs() {
    }

    /** Deletes {@code dir} and all below it; a file that cannot be deleted is left behind, not thrown about. */
    public static void delete(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | java.io.UncheckedIOException e) {
            // left in the temporary directory
        }
    }
}
