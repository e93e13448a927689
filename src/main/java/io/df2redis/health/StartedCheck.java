package io.df2redis.health;

import io.df2redis.migration.engine.PipelineEngine;
import io.df2redis.state.StatusStore;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Startup;

/** Started once the status file was read and the engine with its stages and plans was built. */
@Startup
@ApplicationScoped
public class StartedCheck implements HealthCheck {

    private final PipelineEngine engine;
    private final StatusStore store;

    public StartedCheck(PipelineEngine engine, StatusStore store) {
        this.engine = engine;
        this.store = store;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("df2redis")
                .up()
                .withData("statusFile", store.file().toString())
                .withData("interruptedRunFound", engine.interrupted())
                .build();
    }
}
