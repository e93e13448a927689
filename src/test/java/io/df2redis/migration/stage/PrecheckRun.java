package io.df2redis.migration.stage;

import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationConfigLoader;
import io.df2redis.migration.engine.DetachedStageContext;
import io.df2redis.migration.engine.StageResult;
import io.df2redis.migration.scripts.UndeclaredKeys;
import io.df2redis.resp.RedisEndpoints;
import io.df2redis.state.StatusStore;
import io.df2redis.testing.TempDirs;
import io.vertx.mutiny.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Runs the precheck stage of a snapshot migration ({@code targetNonEmpty: allow}) against real servers, one
 * migration file per run in a directory of its own, with a status store opened on first use. A test holds
 * it in an {@code @AutoClose} field; closing it closes the store and Vert.x and deletes the directory.
 */
final class PrecheckRun implements AutoCloseable {

    private final Path home;
    private final Vertx vertx = Vertx.vertx();
    private StatusStore store;

    PrecheckRun() {
        try {
            this.home = Files.createTempDirectory("df2redis-precheck-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    StatusStore store() {
        if (store == null) {
            store = StatusStore.open(home.resolve("status.json"));
        }
        return store;
    }

    /** The precheck of a file holding {@code sides} (the source and target sections) and {@code more} YAML lines. */
    StageResult run(String sides, String more, DetachedStageContext context) throws Exception {
        Path file = home.resolve("migrate-" + System.nanoTime() + ".yaml");
        Files.writeString(file, sides + "stateDir: state\nmigrate: {mode: snapshot, targetNonEmpty: allow}\n" + more);
        MigrationConfig config = MigrationConfigLoader.load(file, Map.of());
        return new PrecheckStage(new RedisEndpoints(vertx, config), config, new UndeclaredKeys(store()))
                .run(context)
                .await().atMost(Duration.ofSeconds(60));
    }

    @Override
    public void close() {
        vertx.closeAndAwait();
        if (store != null) {
            store.close();
        }
        TempDirs.delete(home);
    }
}
