package io.df2redis.migration.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationConfigLoader;
import io.df2redis.local.LocalRedis;
import io.df2redis.migration.engine.DetachedStageContext;
import io.df2redis.resp.RedisEndpoints;
import io.df2redis.state.StatusStore;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Response;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The source's own script list, against real redis-servers: Dragonfly's {@code SCRIPT LIST} reply shape
 * (one array per script: SHA1, the body it runs, and the body as loaded when it rewrote it) is produced
 * by a script on a real server, since no Dragonfly binary exists here; a Redis source, which has no
 * {@code SCRIPT LIST}, copies nothing and fails nothing.
 */
class ScriptCopyTest {

    @TempDir
    Path home;

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() {
        vertx.closeAndAwait();
    }

    @Test
    void theBodyAsLoadedIsTakenFromEachEntryOfDragonflysList() throws Exception {
        try (LocalRedis server = LocalRedis.start(home.resolve("server"), Optional.empty())) {
            Response shaped = redis(server).source().send(Command.EVAL,
                    "return {{'sha-one', 'return 1'}, {'sha-two', 'return 2 -- batched', '#!lua flags=allow-undeclared-keys\\nreturn 2'}}", "0")
                    .await().atMost(Duration.ofSeconds(10));

            List<String> bodies = ScriptCopy.listed(shaped).stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();

            assertEquals(List.of("return 1", "#!lua flags=allow-undeclared-keys\nreturn 2"), bodies);
        }
    }

    @Test
    void aRedisSourceWithoutScriptListCopiesNothingAndCarriesOn() throws Exception {
        try (LocalRedis server = LocalRedis.start(home.resolve("server"), Optional.empty());
             StatusStore store = StatusStore.open(home.resolve("status.json"))) {
            server.command("SCRIPT", "LOAD", "return 1");

            int copied = new ScriptCopy(null, redis(server), store).copyFromSource(new DetachedStageContext("start-proxy"))
                    .await().atMost(Duration.ofSeconds(10));

            assertEquals(0, copied);
            assertEquals(0, (int) store.read(s -> s.scripts.copiedFromSource));
        }
    }

    private RedisEndpoints redis(LocalRedis server) throws Exception {
        Path file = home.resolve("migrate.yaml");
        Files.writeString(file, "source: {type: redis, addr: \"" + server.address() + "\"}\ntarget: {seed: \"" + server.address()
                + "\"}\nstateDir: state\n");
        MigrationConfig config = MigrationConfigLoader.load(file, Map.of());
        return new RedisEndpoints(vertx, config);
    }
}
