package io.df2redis.migration.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationConfigLoader;
import io.df2redis.migration.engine.DetachedStageContext;
import io.df2redis.migration.scripts.UndeclaredKeys;
import io.df2redis.resp.RedisEndpoints;
import io.df2redis.resp.ServerInfo;
import io.df2redis.state.StatusStore;
import io.vertx.mutiny.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The precheck's look at Dragonfly's {@code default_lua_flags}, against a server replaying Dragonfly's
 * {@code CONFIG GET} answer (no Dragonfly binary exists here, so the setting's name and reply shape come
 * from Dragonfly's source, untested against a real one): {@code allow-undeclared-keys} there is reported,
 * naming the setting; without it scripts cannot write undeclared keys and nothing is reported.
 */
class PrecheckUndeclaredKeysTest {

    private static final ServerInfo DRAGONFLY = ServerInfo.parse("# Server\r\nredis_version:7.4.0\r\ndragonfly_version:df-v1.21.2\r\n");

    @TempDir
    Path home;

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() {
        vertx.closeAndAwait();
    }

    @Test
    void allowUndeclaredKeysInDefaultLuaFlagsIsReportedNamingTheSetting() throws Exception {
        try (RecordedDragonfly dragonfly = new RecordedDragonfly("unused.rdb");
             StatusStore store = StatusStore.open(home.resolve("status.json"))) {
            dragonfly.luaFlags = "disable-atomicity allow-undeclared-keys";
            DetachedStageContext context = new DetachedStageContext("precheck");

            boolean allowed = check(dragonfly, store, context);

            assertTrue(allowed);
            assertTrue(dragonfly.received.stream().anyMatch(c -> c.size() == 3 && c.get(0).equalsIgnoreCase("CONFIG")
                    && c.get(2).equals("default_lua_flags")), "asked for the setting: " + dragonfly.received);
            assertEquals(1, context.warnings().size(), String.valueOf(context.warnings()));
            String warning = context.warnings().get(0);
            assertTrue(warning.startsWith("scripts may write keys they do not declare (source default_lua_flags=\"disable-atomicity "
                    + "allow-undeclared-keys\")") && warning.endsWith("remove allow-undeclared-keys from default_lua_flags to avoid those passes"),
                    warning);
            assertEquals(Boolean.TRUE, store.read(s -> s.scripts.undeclaredKeysAllowed));
        }
    }

    @Test
    void withoutTheFlagScriptsCannotWriteUndeclaredKeysAndNothingIsReported() throws Exception {
        try (RecordedDragonfly dragonfly = new RecordedDragonfly("unused.rdb");
             StatusStore store = StatusStore.open(home.resolve("status.json"))) {
            dragonfly.luaFlags = "";
            DetachedStageContext context = new DetachedStageContext("precheck");

            boolean allowed = check(dragonfly, store, context);

            assertEquals(false, allowed);
            assertEquals(List.of(), context.warnings());
            assertEquals(Boolean.FALSE, store.read(s -> s.scripts.undeclaredKeysAllowed));
            assertEquals("source default_lua_flags=\"\"", store.read(s -> s.scripts.undeclaredKeysBasis));
        }
    }

    private boolean check(RecordedDragonfly dragonfly, StatusStore store, DetachedStageContext context) throws Exception {
        Path file = home.resolve("migrate.yaml");
        Files.writeString(file, "source: {type: dragonfly, addr: \"" + dragonfly.address() + "\"}\ntarget: {seed: \"127.0.0.1:1\"}\n"
                + "stateDir: state\n");
        MigrationConfig config = MigrationConfigLoader.load(file, Map.of());
        return new UndeclaredKeys(store).check(context, new RedisEndpoints(vertx, config).source(), DRAGONFLY)
                .await().atMost(Duration.ofSeconds(20));
    }
}
