package io.df2redis.migration;

import io.df2redis.migration.engine.PipelineEngine;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/** Builds the engine at start-up (a bad status file or plan fails the boot, not the first request) and interrupts it cleanly at shutdown. */
@ApplicationScoped
public class MigrationLifecycle {

    private final PipelineEngine engine;

    public MigrationLifecycle(PipelineEngine engine) {
        this.engine = engine;
    }

    void start(@Observes StartupEvent event) {
        engine.active();
    }

    void stop(@Observes ShutdownEvent event) {
        engine.shutdown();
    }
}
