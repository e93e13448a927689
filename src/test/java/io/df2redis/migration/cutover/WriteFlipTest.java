package io.df2redis.migration.cutover;

import io.df2redis.migration.engine.Orientation;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.df2redis.config.MigrationConfig;
import io.df2redis.local.LocalRedis;
import io.df2redis.contract.resp.RespClient;
import io.df2redis.migration.engine.DetachedStageContext;
import io.df2redis.migration.journal.JournalDrain;
import io.df2redis.proxy.ProxyControl;
import io.df2redis.proxy.RouteKind;
import io.vertx.mutiny.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Invariant I4, bounded pause, with the real proxy: a write flip whose journal cannot be drained in
 * time (the drain is not running) gives up at {@code proxy.fence.maxPause}, lifts the fence with the
 * source still primary, and the write held meanwhile is answered by the source; the next attempt,
 * with the drain running, flips: the route reads the target, the fence key is on both sides.
 */
class WriteFlipTest {

    @TempDir
    Path home;

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() {
        vertx.closeAndAwait();
    }

    @Test
    void aFlipThatCannotFinishInTimeKeepsTheOldPrimaryAndReleasesTheWrites() throws Exception {
        try (ConsistencyCore core = ConsistencyCore.start(vertx, home, RouteKind.DUAL_WRITE,
                     "fence: {maxPause: 800ms, maxHold: 3s}", "")) {
            LocalRedis source = core.source;
            LocalRedis target = core.target;
            MigrationConfig config = core.config;
            ProxyControl proxy = core.control;
            JournalDrain drain = core.drain;
            WriteFlip flip = core.writeFlip;
            RespClient app = new RespClient("127.0.0.1", core.proxyPort, Optional.empty());
            app.command("SET", "before", "1");

            CompletableFuture<WriteFlip.Attempt> attempt = flip.attempt(new DetachedStageContext("fence"), Orientation.Direction.REVERSE).subscribeAsCompletionStage();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                    .until(() -> proxy.console().fenceState().await().atMost(Duration.ofSeconds(2)).on() || attempt.isDone());
            Object heldWrite = app.command("SET", "during", "held");
            WriteFlip.Attempt failed = attempt.get();

            assertFalse(failed.flipped(), "the journal could not be drained: nothing flips");
            assertTrue(failed.reason().contains("maxPause"), failed.reason());
            assertTrue(failed.pauseMillis() < config.proxy().fence().maxHold().toMillis(),
                    "the fence lifted before the proxy's own limit: " + failed.pauseMillis() + " ms");
            assertEquals("OK", heldWrite, "the held write was released, not refused");
            assertEquals("held", source.command("GET", "during"), "and answered by the old primary");
            assertFalse(proxy.console().fenceState().await().atMost(Duration.ofSeconds(2)).on());
            assertFalse(flip.proxyReadsTarget().await().atMost(Duration.ofSeconds(2)), "the route is unchanged");

            drain.ensureRunning(0).await().atMost(Duration.ofSeconds(10));
            WriteFlip.Attempt done = flip.attempt(new DetachedStageContext("fence"), Orientation.Direction.REVERSE).await().atMost(Duration.ofSeconds(20));
            assertTrue(done.flipped(), "with the drain running it flips: " + done.reason());
            assertTrue(flip.proxyReadsTarget().await().atMost(Duration.ofSeconds(2)), "reads now go to the target");
            assertEquals(Orientation.Direction.REVERSE, drain.direction());
            assertTrue(source.command("GET", config.consistency().fenceKey()) != null
                    && target.command("GET", config.consistency().fenceKey()) != null, "the fence key is on both sides");
            assertEquals("held", target.command("GET", "during"), "the target holds the write made before the flip");
        }
    }
}
