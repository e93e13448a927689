package io.df2redis.copy;

import io.df2redis.config.MigrationConfig;
import java.time.Duration;

/**
 * How the {@link TargetWriter} writes.
 *
 * @param pipeline         commands in flight per target connection
 * @param conflictPolicy   what a write does with a key the target already holds
 * @param bigKeySlowpath   copy big keys by value in chunks
 * @param bigKeyBytes      payload size above which a key is big
 * @param chunkElements    elements read and written per chunk of a by-value copy
 * @param chunkBytes       bytes per chunk of a by-value string copy
 * @param cluster          the target is a Redis Cluster
 * @param timeout          timeout of one call
 */
public record WriterSettings(int pipeline, MigrationConfig.ConflictPolicy conflictPolicy, boolean bigKeySlowpath,
        long bigKeyBytes, int chunkElements, int chunkBytes, boolean cluster, Duration timeout) {

    public static final int CHUNK_ELEMENTS = 512;
    public static final int CHUNK_BYTES = 1 << 20;

    public static WriterSettings from(MigrationConfig config) {
        MigrationConfig.Migrate migrate = config.migrate();
        return new WriterSettings(migrate.pipeline(), migrate.conflictPolicy(), migrate.throttle().bigKeySlowpath(),
                migrate.throttle().bigKeyBytes(), CHUNK_ELEMENTS, CHUNK_BYTES,
                config.target().type() == MigrationConfig.TargetType.REDIS_CLUSTER, config.engine().remoteTimeout());
    }

    public WriterSettings withConflictPolicy(MigrationConfig.ConflictPolicy policy) {
        return new WriterSettings(pipeline, policy, bigKeySlowpath, bigKeyBytes, chunkElements, chunkBytes, cluster, timeout);
    }

    public WriterSettings clusterTarget() {
        return new WriterSettings(pipeline, conflictPolicy, bigKeySlowpath, bigKeyBytes, chunkElements, chunkBytes, true, timeout);
    }

    public WriterSettings withBigKeys(boolean slowpath, long bytes, int elements, int chunk) {
        return new WriterSettings(pipeline, conflictPolicy, slowpath, bytes, elements, chunk, cluster, timeout);
    }
}
