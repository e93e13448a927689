package io.df2redis.importer;

import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationPaths;
import io.df2redis.copy.FailureLog;
import io.df2redis.copy.TargetWriter;
import io.df2redis.copy.WriterSettings;
import io.df2redis.migration.engine.Stage;
import io.df2redis.migration.engine.StageContext;
import io.df2redis.migration.engine.StageResult;
import io.df2redis.migration.stage.OwnKeys;
import io.df2redis.resp.RedisEndpoints;
import io.df2redis.resp.RedisSide;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.TreeMap;

/**
 * Phase 5 of the migration model: copies every key the source held at T0 into the target, with the
 * importer named by {@code migrate.importer}. Two importers with the same name fail the service at
 * start-up; a configured importer this version does not have fails the stage plainly.
 */
@ApplicationScoped
public class ImportStage implements Stage {

    private final Map<String, Importer> importers;
    private final RedisEndpoints redis;
    private final MigrationConfig config;

    @Inject
    public ImportStage(@Any Instance<Importer> importers, RedisEndpoints redis, MigrationConfig config) {
        this(byName(importers), redis, config);
    }

    ImportStage(Map<String, Importer> importers, RedisEndpoints redis, MigrationConfig config) {
        this.importers = importers;
        this.redis = redis;
        this.config = config;
    }

    /** The importers by name; a duplicate name is a packaging error and fails at once. */
    public static Map<String, Importer> byName(Iterable<? extends Importer> provided) {
        Map<String, Importer> byName = new TreeMap<>();
        for (Importer importer : provided) {
            Importer previous = byName.putIfAbsent(importer.name(), importer);
            if (previous != null) {
                throw new IllegalStateException("two importers are named '" + importer.name() + "': "
                        + previous.getClass().getName() + " and " + importer.getClass().getName());
            }
        }
        return Map.copyOf(byName);
    }

    @Override
    public String name() {
        return "import";
    }

    @Override
    public String description() {
        return "copy every key the source held at T0 into the target";
    }

    @Override
    public Uni<StageResult> run(StageContext context) {
        String name = config.migrate().importer().name().toLowerCase().replace('_', '-');
        Importer importer = importers.get(name);
        if (importer == null) {
            return Uni.createFrom().item(StageResult.failed("importer " + name + " is not available in this version"
                    + " (available: " + String.join(", ", importers.keySet()) + "): set migrate.importer: scan"));
        }
        // Every writer session holds a source and a target connection: clients of their own, sized for the
        // sessions, so that they never wait for a connection held by someone else.
        int connections = config.migrate().concurrency() + 2;
        RedisSide source = redis.source().withPoolSize(connections);
        RedisSide target = redis.target().withPoolSize(connections);
        TargetWriter writer = new TargetWriter(source, target, redis::targetNode, WriterSettings.from(config));
        FailureLog failures = new FailureLog(MigrationPaths.of(config).stateDir().resolve("failures.jsonl"));
        CompletenessCheck completeness = new CompletenessCheck(source, writer, new OwnKeys(config.consistency()),
                config.source().db(), config.migrate().unsupportedTypes() == MigrationConfig.UnsupportedTypes.SKIP, failures, context);
        return importer.run(context, writer)
                .chain(result -> onePassComplete(result)
                        ? Uni.createFrom().item(StageResult.succeeded(result.summary() + "; complete: " + ONE_PASS))
                        : completeness.run()
                                .map(outcome -> verdict(context, result, outcome, failures)))
                .onFailure(TooManyFailuresException.class).recoverWithItem(failure -> StageResult.failed(failure.getMessage()))
                .eventually(() -> {
                    failures.close();
                    source.close();
                    target.close();
                });
    }

    static final String ONE_PASS = "every key of every database was listed by SCAN from its start and written in this run, "
            + "each write acknowledged, none failed (no second walk of the source needed)";

    /**
     * The copy proves completeness by itself when one attempt listed every database from its start (SCAN
     * returns every key present from the start to the end of its iteration) and every write was
     * acknowledged: keys written meanwhile are the proxy's (mirrored and journaled), keys deleted meanwhile
     * are gone. A resumed or restarted copy, or one with failures (this run's or an earlier one's), is
     * checked key by key instead ({@link CompletenessCheck}).
     */
    private static boolean onePassComplete(ImportResult result) {
        return result.onePass() && result.failures() == 0;
    }

    /**
     * Succeeded only when the target holds what the source holds, up to {@code migrate.maxFailures} keys
     * that could not be copied in this run; otherwise failed, naming each database's gap. A resume copies the
     * missing keys again.
     */
    private StageResult verdict(StageContext context, ImportResult result, CompletenessCheck.Outcome outcome, FailureLog failures) {
        long missing = outcome.missing();
        long allowed = config.migrate().maxFailures();
        context.metric("import_keys_missing", missing);
        context.metric("import_keys_copied_again", outcome.copiedAgain());
        if (missing > allowed) {
            return StageResult.failed("the target lacks " + missing + " keys the source holds, more than migrate.maxFailures ("
                    + allowed + "): " + outcome.gaps() + "; fix the cause listed per key in " + failures.file()
                    + " (e.g. the target's maxmemory) and resume: the missing keys are copied again");
        }
        if (missing > 0) {
            context.warn(missing + " keys the source holds are not on the target (within migrate.maxFailures " + allowed
                    + "): " + outcome.gaps() + "; listed in " + failures.file() + " with the reason; once it is fixed, a full verify"
                    + " pass (verify.mode: full) copies them");
        }
        return StageResult.succeeded(result.summary() + "; " + outcome.summary());
    }
}
