package io.df2redis.migration;

import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationPaths;
import io.df2redis.config.Secrets;
import io.df2redis.migration.engine.EngineSettings;
import io.df2redis.migration.engine.PipelineEngine;
import io.df2redis.migration.engine.Stage;
import io.df2redis.migration.engine.StageRegistry;
import io.df2redis.state.EventHub;
import io.df2redis.migration.rollback.RollbackStages;
import io.df2redis.state.StatusStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Wires the engine of this service from the migration file: status store, event hub, stages and plans. */
@ApplicationScoped
public class MigrationRuntime {

    public static final String MIGRATE = "migrate";
    public static final String ROLLBACK = "rollback";

    @Produces
    @Singleton
    MigrationPaths paths(MigrationConfig config) {
        Secrets.register(config);
        return MigrationPaths.of(config);
    }

    @Produces
    @Singleton
    StatusStore statusStore(MigrationPaths paths) {
        return StatusStore.open(paths.statusFile());
    }

    void closeStatusStore(@Disposes StatusStore store) {
        store.close();
    }

    @Produces
    @Singleton
    EventHub eventHub(StatusStore store, MigrationConfig config) {
        return new EventHub(store, config.engine().recentEvents());
    }

    @Produces
    @Singleton
    StageRegistry stageRegistry(Instance<Stage> stages, MigrationConfig config) {
        List<Stage> all = new ArrayList<>();
        stages.forEach(all::add);
        return new StageRegistry(all, plans(config));
    }

    @Produces
    @Singleton
    PipelineEngine engine(StageRegistry registry, StatusStore store, EventHub events, MigrationConfig config) {
        EngineSettings settings = new EngineSettings(config.engine().stageTimeout(), config.engine().stageRetries(),
                config.engine().retryBackoff(), config.migrate().resume());
        return new PipelineEngine(registry, store, events, settings);
    }

    static Map<String, List<String>> plans(MigrationConfig config) {
        Map<String, List<String>> plans = new LinkedHashMap<>();
        List<String> migrate = new ArrayList<>(config.migrate().mode() == MigrationConfig.Mode.LIVE
                ? List.of("precheck", "meta-hook", "start-proxy", "baseline", "import", "sync", "verify", "cutover", "fence", "cleanup")
                : List.of("precheck", "baseline", "import", "verify"));
        if (config.migrate().importer() != MigrationConfig.Importer.SCAN) {
            migrate.add(migrate.indexOf("import"), "snapshot");
        }
        plans.put(MIGRATE, List.copyOf(migrate));
        plans.put(ROLLBACK, List.of(RollbackStages.DRAIN, RollbackStages.ROUTE, RollbackStages.PURGE));
        return plans;
    }
}
