package io.df2redis.importer;

import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationPaths;
import io.df2redis.state.StatusStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The RDB snapshot the file importers read: the one the snapshot stage made, else migrate.snapshotPath. */
public final class SnapshotFile {

    private SnapshotFile() {
    }

    /** Blocking (file check): call it off the event loop. */
    public static Path resolve(StatusStore store, MigrationConfig config, MigrationPaths paths) {
        Optional<String> fromSnapshotStage = store.read(s -> s.stage("snapshot")
                .map(st -> st.findings.get("path"))
                .map(String::valueOf));
        Path file = paths.baseDir().resolve(fromSnapshotStage.orElseGet(() -> config.migrate().snapshotPath().orElseThrow()));
        if (!Files.isReadable(file)) {
            throw new IllegalStateException("the snapshot " + file + " is not readable: check migrate.snapshotPath "
                    + "or let the snapshot stage make one (migrate.snapshot.trigger: true)");
        }
        return file;
    }
}
