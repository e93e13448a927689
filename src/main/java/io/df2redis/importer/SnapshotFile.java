package io.df2redis.importer;

import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationPaths;
import io.df2redis.resp.ServerInfo;
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

    /** The RDB version the target loads: 10 for Redis 7.0, 11 for 7.2, 12 for 7.4 and 8; -1 (rmt's default) otherwise. */
    public static int rdbVersion(ServerInfo target) {
        String version = target.fields().getOrDefault("redis_version", "");
        String[] parts = version.split("\\.");
        if (parts.length < 2 || target.dragonfly()) {
            return -1;
        }
        int major = Integer.parseInt(parts[0].replaceAll("\\D", ""));
        int minor = Integer.parseInt(parts[1].replaceAll("\\D", ""));
        if (major >= 8 || major == 7 && minor >= 4) {
            return 12;
        }
        if (major == 7 && minor >= 2) {
            return 11;
        }
        return major == 7 ? 10 : -1;
    }
}
