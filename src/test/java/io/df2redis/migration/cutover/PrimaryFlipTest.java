package io.df2redis.migration.cutover;

import io.df2redis.migration.engine.Orientation;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.df2redis.local.LocalRedis;
import io.df2redis.migration.engine.DetachedStageContext;
import io.df2redis.migration.engine.StageResult;
import io.df2redis.migration.journal.JournalDrain;
import io.df2redis.proxy.RouteKind;
import io.df2redis.state.StageStatus;
import io.vertx.mutiny.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
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
        try (ConsistencyCore core = afterTheWriteFlip()) {
            core.store.update(s -> s.cutover.put("flipping", "dual-write"));
            core.control.applyRoute(RouteKind.DUAL_WRITE, 0).await().atMost(Duration.ofSeconds(20));

            StageResult result = core.primaryFlip().run(new DetachedStageContext("rollback-route"), PrimarySide.SOURCE)
                    .await().atMost(Duration.ofSeconds(60));

            assertEquals(StageStatus.SUCCEEDED, result.status(), result.message());
            assertEquals("the flip under way when the service stopped had reached the proxy; finished it", result.message());
            assertEquals(false, core.store.read(s -> s.cutover.get("writesFlipped")));
            boolean underWay = core.store.read(s -> s.cutover.containsKey("flipping"));
            assertFalse(underWay, "the flip is no longer under way");
            assertEquals(Orientation.Direction.FORWARD, core.drain.direction(), "the drain reads the source again");
            assertEquals(0, core.fenceAttempts(), "no second flip");
        }
    }

    @Test
    void aFlipBackCutOffBeforeTheProxyHadTheRouteIsUndoneAndDoneAgain() throws Exception {
        try (ConsistencyCore core = afterTheWriteFlip()) {
            core.store.update(s -> s.cutover.put("flipping", "dual-write"));
            core.control.console().fence(true, "hold").await().atMost(Duration.ofSeconds(10));

            StageResult result = core.primaryFlip().run(new DetachedStageContext("rollback-route"), PrimarySide.SOURCE)
                    .await().atMost(Duration.ofSeconds(60));

            assertEquals(StageStatus.SUCCEEDED, result.status(), result.message());
            assertTrue(result.message().startsWith("source is primary again"), result.message());
            assertEquals(1, core.fenceAttempts(), "one fenced flip, after the cut-off one was undone");
            assertFalse(core.control.console().fenceState().await().atMost(Duration.ofSeconds(5)).on(),
                    "the fence the cut-off flip left is lifted");
            assertFalse(core.writeFlip.proxyReadsTarget().await().atMost(Duration.ofSeconds(5)), "reads go to the source");
            assertEquals(false, core.store.read(s -> s.cutover.get("writesFlipped")));
            assertEquals(Orientation.Direction.FORWARD, core.drain.direction());
        }
    }

    @Test
    void aPossibleLossWindowForcesAFullPassBeforeTheFlipBack() throws Exception {
        try (ConsistencyCore core = afterTheWriteFlip()) {
            LocalRedis source = core.source;
            LocalRedis target = core.target;
            target.command("SET", "written-while-the-proxy-was-down", "on-target");
            core.store.update(s -> {
                Map<String, Object> window = new LinkedHashMap<>();
                window.put("from", "2026-12-07T05:00:00Z");
                s.possibleLossWindows.add(window);
            });

            StageResult result = core.primaryFlip().run(new DetachedStageContext("rollback-route"), PrimarySide.SOURCE)
                    .await().atMost(Duration.ofSeconds(60));

            assertEquals(StageStatus.SUCCEEDED, result.status(), result.message());
            assertEquals("on-target", source.command("GET", "written-while-the-proxy-was-down"),
                    "the full pass copied into the source a write the journal may have missed");
            assertEquals(true, core.store.read(s -> s.possibleLossWindows.get(0).get("coveredByFullVerify")));
            assertEquals(1, core.fenceAttempts());
        }
    }

    /** The core of a service after the write flip: the proxy on the flipped route, the drain reversed. */
    private ConsistencyCore afterTheWriteFlip() throws Exception {
        ConsistencyCore core = ConsistencyCore.start(vertx, home, RouteKind.FLIPPED,
                "fence: {maxPause: 2s, maxHold: 5s, attempts: 3}", "");
        core.drain.switchDirection(Orientation.Direction.REVERSE).await().atMost(Duration.ofSeconds(10));
        core.runDrain();
        core.store.update(s -> {
            s.cutover.put("writesFlipped", true);
            s.cutover.put("state", "writes-flipped");
        });
        return core;
    }
}
