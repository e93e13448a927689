package io.df2redis.config;

import java.nio.file.Path;

/**
 * Absolute paths of the files a migration uses. Relative paths in the migration file are resolved
 * against the file's own directory (so a file and its state dir move together); without a file,
 * against the working directory.
 */
public record MigrationPaths(Path baseDir, Path stateDir, Path statusFile, Path walDir) {

    public static MigrationPaths of(MigrationConfig config) {
        Path base = MigrationFile.located()
                .map(Path::getParent)
                .orElse(Path.of("").toAbsolutePath());
        Path stateDir = base.resolve(config.stateDir()).normalize();
        Path statusFile = config.statusFile().map(f -> base.resolve(f).normalize())
                .orElse(stateDir.resolve("status.json"));
        Path walDir = config.proxy().walDir().map(f -> base.resolve(f).normalize())
                .orElse(stateDir.resolve("wal"));
        return new MigrationPaths(base, stateDir, statusFile, walDir);
    }
}
