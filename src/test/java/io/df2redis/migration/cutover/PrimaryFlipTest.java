package io.df2redis.migration.cutover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationConfigLoader;
import io.df2redis.config.MigrationPaths;
import io.df2redis.local.LocalRedis;
import io.df2redis.migration.engine.DetachedStageContext;
import io.df2redis.migration.engine.StageResult;
import io.df2redis.migration.event.EventHub;
import io.df2redis.migration.journal.JournalDrain;
import io.df2redis.migration.verify.Verifier;
import io.df2redis.proxy.ProxySupervisor;
import io.df2redis.proxy.RouteKind;
import io.df2redis.resp.RedisEndpoints;
import io.df2redis.state.StageStatus;
import io.df2redis.state.StatusStore;
import io.vertx.mutiny.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The flip back to the source (the rollback's) is the write cutover's flip, with the real proxy and
 * real servers: after the write flip (the target primary, the proxy on the flipped route, the drain
 * reversed), the same {@link PrimaryFlip} finishes a flip back that a restart cut off after the proxy
 * had the new route, undoes one cut off before it (lifting the fence it left) and flips again, and
 * runs the full verify pass after a possible-loss window before it flips.
 */
class PrimaryFlipTest {

    @TempDir
    Path home;

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() {
        vertx.closeAndAwait();
    }

    @Test
    void aFlipBackCutOffAfterTheProxyHadTheRouteIsFinishedNotDoneAgain() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty());
             Parts parts = afterTheWriteFlip(source, target)) {
            parts.store.update(s -> s.cutover.put("flipping", "dual-write"));
            parts.proxy.applyRoute(RouteKind.DUAL_WRITE, 0).await().atMost(Duration.ofSeconds(20));

            StageResult result = parts.flip.run(new DetachedStageContext("rollback-route"), PrimarySide.SOURCE)
                    .await().atMost(Duration.ofSeconds(60));

            assertEquals(StageStatus.SUCCEEDED, result.status(), result.message());
            assertEquals("the flip under way when the service stopped had reached the proxy; finished it", result.message());
            assertEquals(false, parts.store.read(s -> s.cutover.get("writesFlipped")));
            boolean underWay = parts.store.read(s -> s.cutover.containsKey("flipping"));
            assertFalse(underWay, "the flip is no longer under way");
            assertEquals(JournalDrain.Direction.FORWARD, parts.drain.direction(), "the drain reads the source again");
            assertEquals(0, parts.attempts(), "no second flip");
        }
    }

    @Test
    void aFlipBackCutOffBeforeTheProxyHadTheRouteIsUndoneAndDoneAgain() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty());
             Parts parts = afterTheWriteFlip(source, target)) {
            parts.store.update(s -> s.cutover.put("flipping", "dual-write"));
            parts.proxy.console().fence(true, "hold").await().atMost(Duration.ofSeconds(10));

            StageResult result = parts.flip.run(new DetachedStageContext("rollback-route"), PrimarySide.SOURCE)
                    .await().atMost(Duration.ofSeconds(60));

            assertEquals(StageStatus.SUCCEEDED, result.status(), result.message());
            assertTrue(result.message().startsWith("source is primary again"), result.message());
            assertEquals(1, parts.attempts(), "one fenced flip, after the cut-off one was undone");
            assertFalse(parts.proxy.console().fenceState().await().atMost(Duration.ofSeconds(5)).path("on").asBoolean(),
                    "the fence the cut-off flip left is lifted");
            assertFalse(parts.flipRoute.proxyReadsTarget().await().atMost(Duration.ofSeconds(5)), "reads go to the source");
            assertEquals(false, parts.store.read(s -> s.cutover.get("writesFlipped")));
            assertEquals(JournalDrain.Direction.FORWARD, parts.drain.direction());
        }
    }

    @Test
    void aPossibleLossWindowForcesAFullPassBeforeTheFlipBack() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty());
             Parts parts = afterTheWriteFlip(source, target)) {
            target.command("SET", "written-while-the-proxy-was-down", "on-target");
            parts.store.update(s -> {
                Map<String, Object> window = new LinkedHashMap<>();
                window.put("from", "2026-12-07T05:00:00Z");
                s.possibleLossWindows.add(window);
            });

            StageResult result = parts.flip.run(new DetachedStageContext("rollback-route"), PrimarySide.SOURCE)
                    .await().atMost(Duration.ofSeconds(60));

            assertEquals(StageStatus.SUCCEEDED, result.status(), result.message());
            assertEquals("on-target", source.command("GET", "written-while-the-proxy-was-down"),
                    "the full pass copied into the source a write the journal may have missed");
            assertEquals(true, parts.store.read(s -> s.possibleLossWindows.get(0).get("coveredByFullVerify")));
            assertEquals(1, parts.attempts());
        }
    }

    /** The pieces of a service after the write flip: the proxy on the flipped route, the drain reversed. */
    private record Parts(StatusStore store, ProxySupervisor proxy, JournalDrain drain, WriteFlip flipRoute, PrimaryFlip flip)
            implements AutoCloseable {

        int attempts() {
            return store.read(s -> s.fence.get("attempts") == null ? 0 : ((List<?>) s.fence.get("attempts")).size());
        }

        @Override
        public void close() {
            drain.stop().await().atMost(Duration.ofSeconds(30));
            proxy.stop().await().atMost(Duration.ofSeconds(30));
            store.close();
        }
    }

    private Parts afterTheWriteFlip(LocalRedis source, LocalRedis target) throws Exception {
        int port = LocalRedis.freePort();
        Path file = home.resolve("migrate.yaml");
        Files.writeString(file, """
                source: {type: redis, addr: "%s"}
                target: {seed: "%s"}
                stateDir: state
                proxy: {endpoint: "127.0.0.1:%d", consolePort: %d, fence: {maxPause: 2s, maxHold: 5s, attempts: 3}}
                """.formatted(source.address(), target.address(), port, LocalRedis.freePort()));
        MigrationConfig config = MigrationConfigLoader.load(file, Map.of());
        MigrationPaths paths = new MigrationPaths(home, home.resolve("state"), home.resolve("state/status.json"), home.resolve("state/wal"));
        StatusStore store = StatusStore.open(paths.statusFile());
        EventHub events = new EventHub(store, 100);
        RedisEndpoints redis = new RedisEndpoints(vertx, config);
        ProxySupervisor proxy = new ProxySupervisor(config, paths, events, store, vertx);
        JournalDrain drain = new JournalDrain(config, paths, redis, store, events);
        Verifier verifier = new Verifier(config, paths, redis, drain, store);
        WriteFlip flip = new WriteFlip(config, proxy, drain, verifier, redis, store, events);
        proxy.start(RouteKind.FLIPPED, false).await().atMost(Duration.ofMinutes(1));
        drain.switchDirection(JournalDrain.Direction.REVERSE).await().atMost(Duration.ofSeconds(10));
        drain.ensureRunning(0).await().atMost(Duration.ofSeconds(10));
        store.update(s -> {
            s.cutover.put("writesFlipped", true);
            s.cutover.put("state", "writes-flipped");
        });
        return new Parts(store, proxy, drain, flip, new PrimaryFlip(flip, drain, verifier, store, config, proxy,
                new io.df2redis.migration.scripts.ScriptCopy(proxy, redis, store)));
    }
}
