package io.df2redis.migration.cutover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.df2redis.local.LocalRedis;
import io.df2redis.migration.engine.DetachedStageContext;
import io.df2redis.migration.engine.StageResult;
import io.df2redis.proxy.RouteKind;
import io.df2redis.state.StageStatus;
import io.df2redis.state.StatusStore;
import io.vertx.mutiny.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * A hot key is never a false mismatch in a read batch, and a real difference still is one: the real
 * proxy between a real source and target, the journal drain, the verifier and the cutover stage of the
 * service, with {@code maxMismatch: 0} and {@code verify.rounds: 1} (no repair between the checks, so
 * only the journal can explain a difference).
 */
class HotKeyCutoverTest {

    @TempDir
    Path home;

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() {
        vertx.closeAndAwait();
    }

    /**
     * Steps:
     * <ol>
     * <li>200 cold keys on the source, copied to the target; the proxy dual-writes, the drain runs;</li>
     * <li>a Jedis client (default configuration) sends {@code INCR hot} through the proxy at a steady rate: 100/s (as
     * applications do to a counter) and 1000/s (where, without the settled comparison, a write lands between the reads
     * of the two sides in nearly every comparison);</li>
     * <li>a read batch (100 %, 3 s, a full sample pass and a dirty pass every 100 ms) runs: it holds with 0 mismatches,
     * though the hot key differed between the two sides' reads;</li>
     * <li>the writer stops: the hot key is equal on both sides;</li>
     * <li>control: with the writer going again, one cold key is changed on the target behind the proxy's back and the
     * batch runs again: it is blocked, naming that key and not the hot one.</li>
     * </ol>
     */
    @ParameterizedTest(name = "{0} INCR/s")
    @ValueSource(ints = {100, 1000})
    void aHotKeyNeverBlocksAReadBatchButARealDifferenceDoes(int perSecond) throws Exception {
        try (ConsistencyCore core = withColdKeys()) {
            LocalRedis source = core.source;
            LocalRedis target = core.target;
            StatusStore store = core.store;
            CutoverStage cutover = core.cutoverStage();
            ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor();
            try (Jedis app = new Jedis("127.0.0.1", core.proxyPort)) {
                AtomicLong acknowledged = new AtomicLong();
                List<Throwable> writeErrors = new CopyOnWriteArrayList<>();
                writer.scheduleAtFixedRate(() -> {
                    try {
                        acknowledged.set(app.incr("hot"));
                    } catch (RuntimeException e) {
                        writeErrors.add(e);
                    }
                }, 0, 1_000_000 / perSecond, TimeUnit.MICROSECONDS);

                StageResult held = cutover.run(new DetachedStageContext("cutover")).await().atMost(Duration.ofSeconds(60));

                assertEquals(StageStatus.SUCCEEDED, held.status(), held.message());
                assertEquals(0L, ((Number) store.read(s -> s.cutover.get("mismatches"))).longValue());
                long incrementsDuringTheBatch = acknowledged.get();
                assertTrue(incrementsDuringTheBatch > 100, "the writer kept the key hot through the batch: " + incrementsDuringTheBatch);
                double checked = store.read(s -> s.metrics.getOrDefault("verify_keys_checked", 0.0));
                System.out.println("hot key at " + perSecond + " INCR/s: " + incrementsDuringTheBatch + " increments during the batch, "
                        + store.read(s -> "verify_keys_checked " + s.metrics.get("verify_keys_checked") + ", verify_differences "
                        + s.metrics.get("verify_differences") + ", verify_busy " + s.metrics.get("verify_busy")));
                assertTrue(checked > 200 + 10, "the hot key was compared again and again, not skipped: " + checked + " keys checked");

                writer.shutdown();
                assertTrue(writer.awaitTermination(10, TimeUnit.SECONDS));
                assertTrue(writeErrors.isEmpty(), "no write failed: " + writeErrors);
                long last = acknowledged.get();
                assertEquals(String.valueOf(last), source.command("GET", "hot"));
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                        .until(() -> String.valueOf(last).equals(target.command("GET", "hot")));

                // the control: the same hot writer, and one key changed on the target without the proxy
                ScheduledExecutorService again = Executors.newSingleThreadScheduledExecutor();
                try {
                    again.scheduleAtFixedRate(() -> app.incr("hot"), 0, 1_000_000 / perSecond, TimeUnit.MICROSECONDS);
                    target.command("SET", "cold:7", "changed behind the proxy");

                    StageResult blocked = cutover.run(new DetachedStageContext("cutover")).await().atMost(Duration.ofSeconds(60));

                    assertEquals(StageStatus.BLOCKED, blocked.status(), blocked.message());
                    assertTrue(blocked.message().contains("cold:7"), blocked.message());
                    assertFalse(blocked.message().contains("hot"), "the hot key is not among the mismatches: " + blocked.message());
                    assertFalse(Files.readString(core.paths.stateDir().resolve("mismatches.jsonl")).contains("\"hot\""));
                    assertTrue(Files.readString(core.paths.stateDir().resolve("mismatches.jsonl")).contains("cold:7"));
                } finally {
                    again.shutdownNow();
                }
            } finally {
                writer.shutdownNow();
            }
        }
    }

    /**
     * The core with a batch of 100 % for 3 s, a full sample pass and a dirty pass every 100 ms, no mismatch
     * allowed and one verify round; 200 cold keys on both sides (written to each directly); the drain runs.
     */
    private ConsistencyCore withColdKeys() throws Exception {
        ConsistencyCore core = ConsistencyCore.start(vertx, home, RouteKind.DUAL_WRITE, "", """
                consistency: {sampleRate: 1}
                verify: {rounds: 1, recheckTimeout: 10s}
                migrate:
                  cutover:
                    checkEvery: 100ms
                    batches:
                      - {percentage: 100, duration: 3s, maxMismatch: 0}
                """);
        List<List<String>> cold = new java.util.ArrayList<>();
        for (int i = 0; i < 200; i++) {
            cold.add(List.of("SET", "cold:" + i, "v" + i));
        }
        try {
            core.source.pipeline(cold);
            core.target.pipeline(cold);
        } catch (Exception e) {
            core.close();
            throw e;
        }
        return core.runDrain();
    }
}
