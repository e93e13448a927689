package io.df2redis.importer.scan;

import io.df2redis.copy.BatchCheck;

import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationPaths;
import io.df2redis.copy.FailureLog;
import io.df2redis.copy.TargetWriter;
import io.df2redis.importer.ImportResult;
import io.df2redis.importer.Importer;
import io.df2redis.migration.engine.StageContext;
import io.df2redis.resp.RedisEndpoints;
import io.df2redis.resp.RedisSide;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The embedded default importer ({@code migrate.importer: scan}): SCAN + pipelined DUMP/PTTL on the
 * source, RESTORE on the target through the {@link TargetWriter}, {@code migrate.concurrency} batches in
 * parallel, resumable from its checkpoint. See {@link ScanCopy} for one attempt.
 */
@ApplicationScoped
public class ScanImporter implements Importer {

    private final Supplier<RedisSide> source;
    private final ScanSettings settings;
    private Function<List<byte[]>, Uni<Void>> afterScan = keys -> Uni.createFrom().voidItem();
    private MetaGuard guard = MetaGuard.OFF;
    private BatchCheck check = BatchCheck.OFF;

    public ScanImporter(RedisEndpoints redis, MigrationConfig config, MigrationPaths paths) {
        this(redis::source, ScanSettings.from(config, paths));
        this.guard = MetaGuard.from(config);
    }

    @Inject
    public ScanImporter(RedisEndpoints redis, MigrationConfig config, MigrationPaths paths, BatchCheck check) {
        this(redis, config, paths);
        this.check = check;
    }

    /** Skips keys whose meta time on the target is newer than T0 (see {@link MetaGuard}). */
    ScanImporter guard(MetaGuard metaGuard) {
        this.guard = metaGuard;
        return this;
    }

    public ScanImporter(Supplier<RedisSide> source, ScanSettings settings) {
        this.source = source;
        this.settings = settings;
    }

    /**
     * Runs {@code hook} between the SCAN of a batch and the reads of its keys: lets a test change the
     * source in exactly that window (a key expiring after it was listed).
     */
    ScanImporter afterScan(Function<List<byte[]>, Uni<Void>> hook) {
        this.afterScan = hook;
        return this;
    }

    @Override
    public String name() {
        return "scan";
    }

    @Override
    public Uni<ImportResult> run(StageContext context, TargetWriter writer) {
        FailureLog failures = new FailureLog(settings.failuresFile());
        return Uni.createFrom().deferred(() -> new ScanCopy(source.get(), writer, settings, context, failures, afterScan, guard, check).run())
                .eventually(failures::close);
    }
}
