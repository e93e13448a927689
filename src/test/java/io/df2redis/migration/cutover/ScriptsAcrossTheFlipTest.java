package io.df2redis.migration.cutover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.df2redis.local.LocalRedis;
import io.df2redis.migration.engine.DetachedStageContext;
import io.df2redis.migration.engine.StageResult;
import io.df2redis.proxy.RouteKind;
import io.df2redis.state.StageStatus;
import io.vertx.mutiny.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * Lua scripts across the write cutover, with the real proxy in dual-write, real servers and Jedis in its
 * default configuration talking to the proxy:
 * <ol>
 *   <li>a script first run through the proxy is loaded on the target before the flip, so its EVALSHA works
 *   afterwards, through the proxy and on the target directly, even when the target's script cache was
 *   emptied meanwhile;</li>
 *   <li>a rollback's flip back loads them on the source first;</li>
 *   <li>a script that writes a key it does not declare (here a different value on each side, which no
 *   journal record names) forces a full verify pass before the flip, which repairs the target from the source,
 *   and one before a read batch, which also starts with the scripts on the target; with undeclared keys
 *   refused by the source, a script run forces none.</li>
 * </ol>
 */
class ScriptsAcrossTheFlipTest {

    private static final String BY_SERVER = "local id = string.match(redis.call('INFO', 'server'), 'run_id:(%w+)') "
            + "redis.call('SET', 'scripts:written-by', id) return id";

    @TempDir
    Path home;

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() {
        vertx.closeAndAwait();
    }

    @Test
    void evalshaOfAScriptFirstRunThroughTheProxyWorksAfterTheFlip() throws Exception {
        String body = "return redis.call('INCRBY', KEYS[1], ARGV[1])";
        try (ConsistencyCore core = inDualWrite();
             Jedis app = new Jedis("127.0.0.1", core.proxyPort)) {
            LocalRedis target = core.target;
            assertEquals(2L, app.eval(body, List.of("scripts:n"), List.of("2")));
            String sha = sha1(body);
            target.command("SCRIPT", "FLUSH");

            StageResult result = core.primaryFlip().run(new DetachedStageContext("fence"), PrimarySide.TARGET).await().atMost(Duration.ofSeconds(60));

            assertEquals(StageStatus.SUCCEEDED, result.status(), result.message());
            assertEquals(List.of(1L), target.command("SCRIPT", "EXISTS", sha), "the script was loaded on the target before the flip");
            assertEquals(5L, app.evalsha(sha, List.of("scripts:n"), List.of("3")), "EVALSHA through the proxy, target primary");
            assertEquals(6L, target.command("EVALSHA", sha, "1", "scripts:n", "1"), "EVALSHA on the target itself");
            assertTrue(core.store.read(s -> s.scripts.loadedOnTarget) >= 1);
        }
    }

    @Test
    void aRollbacksFlipBackLoadsTheScriptsOnTheSource() throws Exception {
        String body = "return redis.call('APPEND', KEYS[1], ARGV[1])";
        try (ConsistencyCore core = inDualWrite();
             Jedis app = new Jedis("127.0.0.1", core.proxyPort)) {
            LocalRedis source = core.source;
            app.eval(body, List.of("scripts:s"), List.of("a"));
            StageResult flipped = core.primaryFlip().run(new DetachedStageContext("fence"), PrimarySide.TARGET).await().atMost(Duration.ofSeconds(60));
            assertEquals(StageStatus.SUCCEEDED, flipped.status(), flipped.message());
            source.command("SCRIPT", "FLUSH");

            StageResult back = core.primaryFlip().run(new DetachedStageContext("rollback-route"), PrimarySide.SOURCE).await().atMost(Duration.ofSeconds(60));

            assertEquals(StageStatus.SUCCEEDED, back.status(), back.message());
            assertEquals(List.of(1L), source.command("SCRIPT", "EXISTS", sha1(body)), "loaded on the source before it became primary again");
            assertEquals(3L, source.command("EVALSHA", sha1(body), "1", "scripts:s", "bc"), "EVALSHA on the source itself");
        }
    }

    @Test
    void aScriptWritingAnUndeclaredKeyForcesAFullPassThatRepairsItBeforeTheFlip() throws Exception {
        try (ConsistencyCore core = inDualWrite();
             Jedis app = new Jedis("127.0.0.1", core.proxyPort)) {
            LocalRedis source = core.source;
            LocalRedis target = core.target;
            core.store.update(s -> s.scripts.undeclaredKeysAllowed = true);
            app.eval(BY_SERVER, List.of(), List.of());
            Object onSource = source.command("GET", "scripts:written-by");
            assertNotEquals(onSource, target.command("GET", "scripts:written-by"), "each side wrote its own run_id, in no journal record");

            DetachedStageContext context = new DetachedStageContext("fence");
            StageResult result = core.primaryFlip().run(context, PrimarySide.TARGET).await().atMost(Duration.ofSeconds(60));

            assertEquals(StageStatus.SUCCEEDED, result.status(), result.message());
            assertTrue(context.warnings().stream().anyMatch(w -> w.startsWith("a full verify pass runs before the write cutover: 1 script "
                    + "run(s) through the proxy may have written keys they did not declare")), String.valueOf(context.warnings()));
            assertEquals(onSource, target.command("GET", "scripts:written-by"), "the full pass repaired the target from the source");
            assertEquals(1L, (long) core.store.read(s -> s.scripts.untrackedRunsVerified));
        }
    }

    @Test
    void withUndeclaredKeysRefusedByTheSourceAScriptRunForcesNoFullPass() throws Exception {
        try (ConsistencyCore core = inDualWrite();
             Jedis app = new Jedis("127.0.0.1", core.proxyPort)) {
            LocalRedis target = core.target;
            core.store.update(s -> s.scripts.undeclaredKeysAllowed = false);
            app.eval("return redis.call('SET', KEYS[1], 'v')", List.of("scripts:declared"), List.of());

            DetachedStageContext context = new DetachedStageContext("fence");
            StageResult result = core.primaryFlip().run(context, PrimarySide.TARGET).await().atMost(Duration.ofSeconds(60));

            assertEquals(StageStatus.SUCCEEDED, result.status(), result.message());
            assertTrue(context.warnings().stream().noneMatch(w -> w.contains("full verify")), String.valueOf(context.warnings()));
            assertEquals(0L, (long) core.store.read(s -> s.scripts.untrackedRuns));
            assertEquals("v", target.command("GET", "scripts:declared"));
        }
    }

    @Test
    void aReadBatchStartsWithTheScriptsOnTheTargetAndAfterTheFullPassUndeclaredKeysAskFor() throws Exception {
        String body = "return redis.call('INCRBY', KEYS[1], ARGV[1])";
        try (ConsistencyCore core = inDualWrite("migrate: {cutover: {checkEvery: 100ms, batches: [{percentage: 100, duration: 1s}]}}\n");
             Jedis app = new Jedis("127.0.0.1", core.proxyPort)) {
            LocalRedis source = core.source;
            LocalRedis target = core.target;
            core.store.update(s -> s.scripts.undeclaredKeysAllowed = true);
            app.eval(body, List.of("scripts:n"), List.of("1"));
            app.eval(BY_SERVER, List.of(), List.of());
            Object onSource = source.command("GET", "scripts:written-by");
            target.command("SCRIPT", "FLUSH");

            StageResult result = core.cutoverStage().run(new DetachedStageContext("cutover")).await().atMost(Duration.ofMinutes(2));

            assertEquals(StageStatus.SUCCEEDED, result.status(), result.message());
            assertEquals(List.of(1L), target.command("SCRIPT", "EXISTS", sha1(body)), "loaded on the target before reads went there");
            assertEquals(onSource, target.command("GET", "scripts:written-by"), "the full pass before the batch repaired the target");
            assertEquals(2L, (long) core.store.read(s -> s.scripts.untrackedRunsVerified), "both runs covered");
        }
    }

    private static String sha1(String body) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-1")
                .digest(body.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** The core of a service in dual-write: the proxy started by its supervisor, the drain reading the source. */
    private ConsistencyCore inDualWrite() throws Exception {
        return inDualWrite("");
    }

    private ConsistencyCore inDualWrite(String extra) throws Exception {
        return ConsistencyCore.start(vertx, home, RouteKind.DUAL_WRITE, "fence: {maxPause: 2s, maxHold: 5s, attempts: 3}", extra)
                .runDrain();
    }
}
