package io.df2redis.importer.scan;

import io.df2redis.config.MigrationConfig.DumpCompression;
import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationPaths;
import io.df2redis.migration.stage.OwnKeys;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How the scan importer walks the source.
 *
 * @param scanCount       keys asked for per SCAN call
 * @param concurrency     batches copied at the same time (each one worker with its own connections)
 * @param checkpointEvery batches between two checkpoints
 * @param maxKeysPerSecond keys read per second, 0 for unlimited ({@code migrate.throttle.maxOpsPerMaster})
 * @param maxFailures     failed keys tolerated
 * @param onlyDb          only this source database ({@code source.db})
 * @param ownKeys         df2redis's own keys, never copied
 * @param failuresFile    where failed keys are listed
 * @param dumpCompression the source's {@code rdbcompression} during the import ({@code migrate.dumpCompression})
 */
public record ScanSettings(int scanCount, int concurrency, int checkpointEvery, int maxKeysPerSecond, long maxFailures,
        Optional<Integer> onlyDb, OwnKeys ownKeys, Path failuresFile, DumpCompression dumpCompression) {

    public static ScanSettings from(MigrationConfig config, MigrationPaths paths) {
        MigrationConfig.Migrate migrate = config.migrate();
        return new ScanSettings(migrate.scanCount(), migrate.concurrency(), config.engine().checkpointEvery(),
                migrate.throttle().maxOpsPerMaster(), migrate.maxFailures(), config.source().db(),
                new OwnKeys(config.consistency()), paths.stateDir().resolve("failures.jsonl"),
                migrate.dumpCompression());
    }
}
