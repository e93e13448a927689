package io.df2redis.health;

import io.df2redis.config.MigrationPaths;
import io.df2redis.resp.RedisEndpoints;
import io.df2redis.resp.RedisSide;
import io.df2redis.state.PipelineStatus;
import io.df2redis.state.StatusStore;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready when both sides answer PING within {@code engine.remoteTimeout}, the state directory is
 * writable and the pipeline has not failed. Each check's data says why it is down.
 */
@Readiness
@ApplicationScoped
public class ReadinessCheck implements AsyncHealthCheck {

    private final RedisEndpoints redis;
    private final MigrationPaths paths;
    private final StatusStore store;

    public ReadinessCheck(RedisEndpoints redis, MigrationPaths paths, StatusStore store) {
        this.redis = redis;
        this.paths = paths;
        this.store = store;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return Uni.combine().all()
                .unis(ping(redis.source()), ping(redis.target()), stateDirWritable())
                .asTuple()
                .map(checks -> {
                    PipelineStatus pipeline = store.read(s -> s.status);
                    boolean pipelineOk = pipeline != PipelineStatus.FAILED;
                    HealthCheckResponseBuilder response = HealthCheckResponse.named("df2redis")
                            .withData("source", checks.getItem1())
                            .withData("target", checks.getItem2())
                            .withData("stateDir", checks.getItem3())
                            .withData("pipeline", pipelineOk ? pipeline.json()
                                    : "failed: " + store.read(s -> s.message));
                    boolean up = "up".equals(checks.getItem1()) && "up".equals(checks.getItem2())
                            && "writable".equals(checks.getItem3()) && pipelineOk;
                    return response.status(up).build();
                });
    }

    private Uni<String> ping(RedisSide side) {
        return side.ping()
                .map(reply -> "up")
                .onFailure().recoverWithItem(e -> "down: " + e.getMessage());
    }

    /** Creates and deletes a probe file: file I/O, so off the event loop. */
    private Uni<String> stateDirWritable() {
        return Uni.createFrom().item(() -> {
                    Path dir = paths.stateDir();
                    try {
                        Files.createDirectories(dir);
                        Path probe = Files.createTempFile(dir, ".ready", ".probe");
                        Files.delete(probe);
                        return "writable";
                    } catch (IOException | SecurityException e) {
                        return "not writable: " + dir + " (" + e.getMessage() + "): fix its permissions or stateDir";
                    }
                })
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }
}
