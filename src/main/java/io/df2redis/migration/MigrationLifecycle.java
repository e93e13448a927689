package io.df2redis.migration;

import io.df2redis.migration.engine.PipelineEngine;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
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

    /** Before the Redis clients close (they observe shutdown at the default priority), so the stage is cancelled, not failed. */
    void stop(@Observes @Priority(1) ShutdownEvent event) {
        engine.shutdown();
    }
}
