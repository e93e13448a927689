package io.df2redis.migration.cutover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.df2redis.local.LocalRedis;
import io.df2redis.migration.engine.DetachedStageContext;
import io.df2redis.migration.engine.StageResult;
import io.df2redis.migration.journal.SyncStage;
import io.df2redis.proxy.RouteKind;
import io.df2redis.state.StageStatus;
import io.vertx.mutiny.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * The drain's lag decides, not its record count, with the real proxy (it journals every write) and
 * real servers: the sync stage becomes ready under a steady write load whose backlog is hundreds of
 * records; a burst of writes makes a read batch, and the write cutover, wait for the drain instead of
 * blocking at once; a backlog that does not drain within {@code migrate.cutover.drainWait} blocks with
 * what to do.
 */
class DrainLagTest {

    @TempDir
    Path home;

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() {
        vertx.closeAndAwait();
    }

    /**
     * Steps: a writer sends 100 pipelined SETs through the proxy every 250 ms (400 writes/s, 800
     * journal records/s) and notes the backlog right after each round; the sync stage runs meanwhile
     * (readyFor 2s, readyLag 500ms by default). It succeeds while the writer goes on, though the writer
     * saw backlogs over 100 records (the old readiness rule's limit), and the status shows the lag.
     */
    @Test
    void syncIsReadyUnderASteadyWriteLoadWhoseBacklogIsOverAHundredRecords() throws Exception {
        try (ConsistencyCore core = start("sync: {readyFor: 2s}")) {
            AtomicLong maxBacklog = new AtomicLong();
            AtomicLong written = new AtomicLong();
            AtomicReference<Throwable> writerFailure = new AtomicReference<>();
            ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor();
            try (Jedis client = new Jedis("127.0.0.1", core.proxyPort)) {
                writer.scheduleAtFixedRate(() -> {
                    try {
                        Pipeline pipeline = client.pipelined();
                        for (int i = 0; i < 100; i++) {
                            long n = written.incrementAndGet();
                            pipeline.set("steady:" + (n % 5000), "v" + n);
                        }
                        pipeline.sync();
                        core.drain.readHead();
                        maxBacklog.accumulateAndGet(core.drain.backlog(), Math::max);
                    } catch (Throwable e) {
                        writerFailure.compareAndSet(null, e);
                    }
                }, 0, 250, TimeUnit.MILLISECONDS);

                StageResult result = new SyncStage(core.drain).run(new DetachedStageContext("sync"))
                        .await().atMost(Duration.ofSeconds(90));
                long writtenWhenReady = written.get();
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> written.get() > writtenWhenReady + 200);
                writer.shutdownNow();
                writer.awaitTermination(10, TimeUnit.SECONDS);

                assertEquals(null, writerFailure.get(), "the writer went on without an error");
                assertEquals(StageStatus.SUCCEEDED, result.status(), result.message());
                assertTrue(result.message().matches("caught up at sequence \\d+ \\(lag \\d+ ms, backlog \\d+ records\\).*"), result.message());
                assertTrue(maxBacklog.get() > 100, "the backlog went over 100 records while the stage waited: " + maxBacklog.get());
                long lag = core.store.read(s -> ((Number) s.drain.get("lagMs")).longValue());
                assertTrue(lag >= 0 && lag <= 500, "the status shows the lag, within sync.readyLag: " + lag);
                boolean inMetrics = core.store.read(s -> s.metrics.containsKey("sync_lag_ms"));
                assertTrue(inMetrics, "and the metrics");
            } finally {
                writer.shutdownNow();
            }
        }
    }

    /**
     * Steps: the drain copies one intent per batch ({@code sync.batch: 1}) so that a burst of 3000
     * pipelined SETs through the proxy leaves a backlog far over {@code maxBacklog} (100); the read
     * cutover's only batch (100 %, 1 s) starts at once. It waits for the drain (longer than its
     * hold), then passes; the status records how long it waited.
     */
    @Test
    void aBurstThenQuietMakesTheCutoverBatchWaitForTheDrainAndPass() throws Exception {
        try (ConsistencyCore core = afterABurst("5m")) {
            StageResult result = core.cutoverStage().run(new DetachedStageContext("cutover")).await().atMost(Duration.ofMinutes(5));

            assertEquals(StageStatus.SUCCEEDED, result.status(), result.message());
            long waited = core.store.read(s -> ((Number) s.cutover.getOrDefault("lastDrainWaitMs", 0)).longValue());
            assertTrue(waited > 0, "the batch waited for the drain: " + core.store.read(s -> s.cutover));
            assertEquals("done", core.store.read(s -> s.cutover.get("state")));
            assertTrue(core.drain.caughtUp(core.drain.lagMillis(), 100), "the drain had caught up when the batch passed");
        }
    }

    /**
     * Steps: the same burst, but {@code migrate.cutover.drainWait} is 200 ms: the batch blocks, reads
     * return to the source, and the message says the drain did not catch up and what to do. The write
     * cutover does the same before it fences: blocked, no fence attempt.
     */
    @Test
    void aBacklogThatDoesNotDrainWithinTheWaitBlocksTheBatchAndTheFenceWithWhatToDo() throws Exception {
        try (ConsistencyCore core = afterABurst("200ms")) {
            StageResult cutover = core.cutoverStage().run(new DetachedStageContext("cutover")).await().atMost(Duration.ofMinutes(2));

            assertEquals(StageStatus.BLOCKED, cutover.status(), cutover.message());
            assertTrue(cutover.message().contains("the journal drain did not catch up within migrate.cutover.drainWait (200 ms): journal backlog "),
                    cutover.message());
            assertTrue(cutover.message().contains("lower the write load, or raise sync.batch, migrate.cutover.maxBacklog or migrate.cutover.drainWait"),
                    cutover.message());
            assertTrue(cutover.message().contains("reads are back on the source"), cutover.message());
            assertEquals("blocked", core.store.read(s -> s.cutover.get("state")));

            burst(core, 3000);
            StageResult fence = core.primaryFlip().run(new DetachedStageContext("fence"), PrimarySide.TARGET).await().atMost(Duration.ofMinutes(2));

            assertEquals(StageStatus.BLOCKED, fence.status(), fence.message());
            assertTrue(fence.message().contains("the journal drain did not catch up within migrate.cutover.drainWait (200 ms)"), fence.message());
            assertTrue(fence.message().contains("nothing was fenced and the source stays primary"), fence.message());
            int attempts = core.fenceAttempts();
            assertEquals(0, attempts, "no fenced attempt");
            Object flipped = core.store.read(s -> s.cutover.get("writesFlipped"));
            assertEquals(null, flipped, "writes were not flipped");
        }
    }

    /**
     * The core with one intent copied per drain batch ({@code sync.batch: 1}) and a read cutover of one batch
     * (100 %, 1 s; {@code maxBacklog} 100, {@code drainWait} as given), after a burst of 3000 SETs.
     */
    private ConsistencyCore afterABurst(String drainWait) throws Exception {
        ConsistencyCore core = start("""
                sync: {batch: 1}
                migrate:
                  cutover: {maxBacklog: 100, drainWait: %s, checkEvery: 100ms, batches: [{percentage: 100, duration: 1s}]}
                """.formatted(drainWait));
        try {
            burst(core, 3000);
            return core;
        } catch (RuntimeException | Error e) {
            core.close();
            throw e;
        }
    }

    /** {@code writes} pipelined SETs through the proxy; the backlog they leave must be over 100 records. */
    private static void burst(ConsistencyCore core, int writes) {
        try (Jedis client = new Jedis("127.0.0.1", core.proxyPort)) {
            Pipeline pipeline = client.pipelined();
            for (int i = 0; i < writes; i++) {
                pipeline.set("burst:" + i, "v" + i);
            }
            pipeline.sync();
        }
        core.drain.readHead();
        assertTrue(core.drain.backlog() > 100, "the burst left a backlog: " + core.drain.backlog());
    }

    /** The proxy on the dual-write route (writes to the source, mirrored to the target) and the drain running. */
    private ConsistencyCore start(String extra) throws Exception {
        return ConsistencyCore.start(vertx, home, RouteKind.DUAL_WRITE, "", "consistency: {enableCas: false}\n" + extra)
                .runDrain();
    }
}
