package io.df2redis.proxy;

import io.df2redis.contract.resp.RespConnection;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.df2redis.contract.console.ProxyStatus;
import io.df2redis.contract.console.ReadsState;
import io.df2redis.local.LocalRedis;
import io.df2redis.contract.resp.RespClient;
import io.df2redis.state.StatusStore;
import io.df2redis.testing.TwoRedisResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The real proxy process (Camellia 1.1.1 with the df2redis plugin, built by this project) between
 * a real source and target: dual-write, the journal (intent before commit, the commands Camellia
 * does not mirror), the fence, route flips under a writer, supervision after kill -9, and what the
 * proxy shows of secrets.
 */
@QuarkusTest
@QuarkusTestResource(TwoRedisResource.class)
@TestProfile(ProxyRuntimeTest.WithProxy.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProxyRuntimeTest {

    static final int PROXY_PORT = freePort();
    static final int CONSOLE_PORT = freePort();

    public static class WithProxy implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("df2redis.proxy.endpoint", "127.0.0.1:" + PROXY_PORT,
                    "df2redis.proxy.consolePort", String.valueOf(CONSOLE_PORT),
                    "df2redis.proxy.heap", "192m",
                    "df2redis.proxy.restartBackoff", "200ms",
                    "df2redis.proxy.fence.maxHold", "3s",
                    "df2redis.proxy.journal.segmentRecords", "1000");
        }
    }

    @Inject
    ProxySupervisor supervisor;
    @Inject
    ProxyControl control;
    @Inject
    StatusStore store;
    @Inject
    io.df2redis.migration.stage.MetaHookStage metaHook;
    @Inject
    jakarta.enterprise.event.Event<io.df2redis.proxy.JournalApplied> appliedEvents;

    private final RespClient app = new RespClient("127.0.0.1", PROXY_PORT, Optional.of(TwoRedisResource.SOURCE_PASSWORD));

    @Test
    @Order(1)
    void startsOnLoopbackWithPrivateFilesAndDualWritesEveryType() throws Exception {
        Map<String, Object> info = supervisor.start(RouteKind.DUAL_WRITE, false).await().atMost(Duration.ofSeconds(90));
        assertEquals("running", info.get("state"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(supervisor.directory().resolve("proxy.properties"))));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(supervisor.directory().resolve("route.json"))));
        assertTrue(listensOnLoopbackOnly(PROXY_PORT), "the proxy port is bound to 127.0.0.1");
        assertTrue(listensOnLoopbackOnly(CONSOLE_PORT), "the console port is bound to 127.0.0.1");

        List<List<String>> writes = List.of(
                List.of("SET", "p:str", "v1"), List.of("APPEND", "p:str", "-more"), List.of("INCR", "p:n"), List.of("INCRBY", "p:n", "41"),
                List.of("HSET", "p:h", "a", "1", "b", "2"), List.of("HINCRBY", "p:h", "a", "9"),
                List.of("RPUSH", "p:l", "x", "y", "z"), List.of("LPUSH", "p:l", "w"),
                List.of("SADD", "p:s", "m1", "m2", "m3"), List.of("SREM", "p:s", "m2"),
                List.of("ZADD", "p:z", "1", "a", "2", "b"), List.of("ZINCRBY", "p:z", "5", "a"),
                List.of("XADD", "p:x", "1-1", "f", "v"), List.of("SET", "p:ttl", "t"), List.of("EXPIRE", "p:ttl", "1000"),
                List.of("SET", "p:persist", "p", "EX", "100"), List.of("PERSIST", "p:persist"),
                List.of("SET", "p:gone", "x"), List.of("DEL", "p:gone"));
        for (Object reply : app.pipeline(writes)) {
            assertFalse(reply instanceof RespConnection.Error, "write refused: " + reply);
        }
        for (String key : List.of("p:str", "p:n", "p:h", "p:l", "p:s", "p:z", "p:x", "p:ttl", "p:persist", "p:gone")) {
            assertEquals(dump(TwoRedisResource.source(), key), dump(TwoRedisResource.target(), key), "mirrored: " + key);
        }
        assertEquals(-1L, TwoRedisResource.target().command("TTL", "p:persist"));
        assertTrue((Long) TwoRedisResource.target().command("TTL", "p:ttl") > 900);
    }

    @Test
    @Order(2)
    void everyWriteHasAnIntentBeforeItsCommitIncludingTheOnesCamelliaDoesNotMirror() throws Exception {
        app.pipeline(List.of(List.of("RPUSH", "p:trim", "1", "2", "3", "4"), List.of("LTRIM", "p:trim", "0", "1"),
                List.of("RPUSH", "p:sortme", "3", "1", "2"), List.of("SORT", "p:sortme", "STORE", "p:sorted"),
                List.of("BITFIELD", "p:bits", "SET", "u8", "0", "255"),
                List.of("GEOADD", "p:geo", "13.361389", "38.115556", "Palermo"),
                List.of("GEORADIUS", "p:geo", "15", "37", "200", "km", "STORE", "p:near"),
                List.of("GET", "p:str")));
        await().atMost(Duration.ofSeconds(5)).until(() -> journal().stream().filter(r -> r[0].equals("C")).count()
                >= journal().stream().filter(r -> r[0].equals("I")).count());
        List<String[]> records = journal();
        Map<Long, Integer> intentLine = new HashMap<>();
        Map<String, String> commandOfKey = new HashMap<>();
        for (int i = 0; i < records.size(); i++) {
            String[] r = records.get(i);
            if (r[0].equals("I")) {
                intentLine.put(Long.parseLong(r[1]), i);
                for (int k = 5; k < r.length; k++) {
                    commandOfKey.put(new String(Base64.getDecoder().decode(r[k]), StandardCharsets.UTF_8), r[4]);
                }
            } else {
                Integer intent = intentLine.get(Long.parseLong(r[3]));
                assertTrue(intent != null && intent < i, "commit " + String.join(" ", r) + " follows its intent");
            }
        }
        assertEquals("ltrim", commandOfKey.get("p:trim").toLowerCase());
        assertEquals("sort", commandOfKey.get("p:sorted").toLowerCase(), "SORT ... STORE journals its destination");
        assertEquals("bitfield", commandOfKey.get("p:bits").toLowerCase());
        assertEquals("georadius", commandOfKey.get("p:near").toLowerCase(), "GEORADIUS ... STORE journals its destination");
        assertFalse(commandOfKey.containsKey("p:sortme") && commandOfKey.get("p:sortme").equalsIgnoreCase("sort"), "SORT reads its source key");
        assertTrue(records.stream().noneMatch(r -> r[0].equals("I") && r[4].equalsIgnoreCase("get")), "reads are not journaled");
        app.command("KEYS", "p:nothing*");
        await().atMost(Duration.ofSeconds(10)).until(() -> store.read(s -> String.valueOf(s.proxy.get("unmirrorable"))).contains("keys")
                && store.read(s -> s.metrics.getOrDefault("proxy_journal_head", 0.0)) > 0);
        JsonNode monitor = control.console().monitor().await().atMost(Duration.ofSeconds(5));
        assertTrue(monitor.has("qpsStats") && monitor.has("resourceStats"), "Camellia's monitor figures: " + monitor);
        assertEquals(List.of("1", "2"), TwoRedisResource.source().command("LRANGE", "p:trim", "0", "-1"));
        assertEquals(List.of("1", "2"), TwoRedisResource.target().command("LRANGE", "p:trim", "0", "-1"),
                "LTRIM, typed as a read by Camellia, is routed as a write: the primary and its mirror are both trimmed "
                        + "(and a read split can never send it to the side that is not primary)");
    }

    @Test
    @Order(3)
    void theFenceRejectsOrHoldsWritesButNotReads() throws Exception {
        control.console().fence(true, "reject").await().atMost(Duration.ofSeconds(5));
        Object refused = app.command("SET", "p:fenced", "1");
        assertTrue(refused instanceof RespConnection.Error e && e.message().startsWith("TRYAGAIN fenced for cutover"), String.valueOf(refused));
        assertEquals("v1-more", app.command("GET", "p:str"), "reads go on while fenced");
        assertEquals(null, TwoRedisResource.source().command("GET", "p:fenced"));

        control.console().fence(true, "hold").await().atMost(Duration.ofSeconds(5));
        AtomicLong heldMillis = new AtomicLong();
        Thread writer = new Thread(() -> {
            long start = System.nanoTime();
            try {
                app.command("SET", "p:held", "1");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            heldMillis.set((System.nanoTime() - start) / 1_000_000);
        });
        writer.start();
        await().pollDelay(Duration.ofMillis(400)).atMost(Duration.ofSeconds(2)).until(writer::isAlive);
        control.console().fence(false, null).await().atMost(Duration.ofSeconds(5));
        writer.join(5000);
        assertTrue(heldMillis.get() >= 350, "the write waited for the fence: " + heldMillis.get() + " ms");
        assertEquals("1", TwoRedisResource.source().command("GET", "p:held"));
        assertEquals("1", TwoRedisResource.target().command("GET", "p:held"));

        control.console().fence(true, "hold").await().atMost(Duration.ofSeconds(5));
        long start = System.nanoTime();
        assertEquals("OK", app.command("SET", "p:abandoned", "1"), "a fence nobody lifts is lifted by the proxy after maxHold");
        long waited = (System.nanoTime() - start) / 1_000_000;
        assertTrue(waited >= 2500, "held until maxHold (3 s): " + waited + " ms");
        ProxyStatus.Fence fence = control.console().status().await().atMost(Duration.ofSeconds(5)).fence();
        assertFalse(fence.on());
        assertEquals(1, fence.autoLifts());
    }

    @Test
    @Order(4)
    void fencedRouteFlipsUnderASteadyWriterLoseNoIncrementAndReturnNoError() throws Exception {
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong acknowledged = new AtomicLong();
        List<Object> errors = new ArrayList<>();
        Thread writer = new Thread(() -> {
            while (writing.get()) {
                try {
                    List<Object> replies = app.pipeline(java.util.Collections.nCopies(50, List.of("INCR", "p:counter")));
                    for (Object reply : replies) {
                        if (reply instanceof Long) {
                            acknowledged.incrementAndGet();
                        } else {
                            errors.add(reply);
                        }
                    }
                } catch (IOException e) {
                    errors.add(e);
                }
            }
        });
        writer.start();
        for (RouteKind route : List.of(RouteKind.FLIPPED, RouteKind.DUAL_WRITE, RouteKind.FLIPPED, RouteKind.DUAL_WRITE)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> acknowledged.get() > 500);
            long before = acknowledged.get();
            control.console().fence(true, "hold").await().atMost(Duration.ofSeconds(5));
            await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(5))
                    .until(() -> control.console().status().await().atMost(Duration.ofSeconds(2)).inflight() == 0);
            control.applyRoute(route, 0).await().atMost(Duration.ofSeconds(10));
            control.console().fence(false, null).await().atMost(Duration.ofSeconds(5));
            await().atMost(Duration.ofSeconds(10)).until(() -> acknowledged.get() > before + 500);
        }
        writing.set(false);
        writer.join(10_000);
        assertEquals(List.of(), errors);
        String expected = String.valueOf(acknowledged.get());
        await().atMost(Duration.ofSeconds(5)).until(() -> expected.equals(TwoRedisResource.source().command("GET", "p:counter"))
                && expected.equals(TwoRedisResource.target().command("GET", "p:counter")));
    }

    @Test
    @Order(5)
    void anInvalidRouteIsRefusedAndTheOldOneStays() {
        long version = control.console().status().await().atMost(Duration.ofSeconds(5)).routeVersion();
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> control.console().applyRoute("{\"type\":\"simple\",\"operation\":{\"type\":\"nonsense\"}}")
                        .await().atMost(Duration.ofSeconds(5)));
        assertTrue(refused.getMessage().contains("refused (400)"), refused.getMessage());
        assertEquals(version, control.console().status().await().atMost(Duration.ofSeconds(5)).routeVersion());
    }

    @Test
    @Order(6)
    void aKilledProxyIsRestartedAndAPossibleLossWindowRecorded() throws Exception {
        long pid = ((Number) store.read(s -> s.proxy.get("pid"))).longValue();
        int windows = store.read(s -> s.possibleLossWindows.size());
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();

        await().atMost(Duration.ofSeconds(60)).until(() -> "running".equals(store.read(s -> s.proxy.get("state")))
                && ((Number) store.read(s -> s.proxy.get("pid"))).longValue() != pid);
        int windowsAfter = store.read(s -> s.possibleLossWindows.size());
        boolean exitEvent = store.read(s -> s.recentEvents.stream().anyMatch(e -> e.type().equals("proxy.exited")));
        assertEquals(windows + 1, windowsAfter);
        assertTrue(exitEvent);
        assertEquals("PONG", app.command("PING"));
        assertEquals("OK", app.command("SET", "p:after-restart", "1"));
        assertNotEquals(pid, ((Number) store.read(s -> s.proxy.get("pid"))).longValue());
    }

    @Test
    @Order(7)
    void noPasswordInTheConsoleTheStatusOrTheLog() throws Exception {
        ProxyStatus status = control.console().status().await().atMost(Duration.ofSeconds(5));
        String everything = status.toString() + Files.readString(TwoRedisResource.statusFile())
                + Files.readString(TwoRedisResource.serviceLog());
        for (String secret : List.of(TwoRedisResource.SOURCE_PASSWORD, TwoRedisResource.TARGET_PASSWORD)) {
            assertFalse(everything.contains(secret), "a password is shown");
        }
        assertTrue(status.route().toString().contains("******@"), status.toString());
    }

    @Test
    @Order(8)
    void theMetaHookRecordsWriteTimesOnTheTargetAndSurvivesAScriptFlush() throws Exception {
        io.df2redis.migration.engine.StageResult result = metaHook.run(new io.df2redis.migration.engine.DetachedStageContext("meta-hook")).await().atMost(Duration.ofSeconds(10));
        assertEquals(io.df2redis.state.StageStatus.SUCCEEDED, result.status(), result.message());
        Path hook = TwoRedisResource.home().resolve("state/wal/hook.json");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(hook)), "hook.json holds the target password");

        long before = System.currentTimeMillis();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            app.command("SET", "p:meta", "1");
            Object meta = TwoRedisResource.target().command("GET", "meta:{p:meta}");
            return meta instanceof String time && Long.parseLong(time) >= before;
        });

        TwoRedisResource.target().command("SCRIPT", "FLUSH");
        long afterFlush = System.currentTimeMillis();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            app.command("SET", "p:meta2", "1");
            Object meta = TwoRedisResource.target().command("GET", "meta:{p:meta2}");
            return meta instanceof String time && Long.parseLong(time) >= afterFlush;
        });
        ProxyStatus status = control.console().status().await().atMost(Duration.ofSeconds(5));
        assertTrue(status.metaCas().scriptReloads() >= 1, status.toString());
        assertEquals(null, TwoRedisResource.source().command("GET", "meta:{p:meta}"), "meta keys live on the target only");
    }

    @Test
    @Order(9)
    void aStickyReadSplitSendsTheSameKeysToTheTargetEveryTime() throws Exception {
        Path file = TwoRedisResource.home().resolve("sticky.yaml");
        Files.writeString(file, "source: {addr: \"" + TwoRedisResource.source().address() + "\"}\n"
                + "target: {seed: \"" + TwoRedisResource.target().address() + "\"}\n"
                + "proxy: {readSplit: sticky}\n");
        io.df2redis.config.MigrationConfig sticky = io.df2redis.config.MigrationConfigLoader.load(file,
                Map.of("DF2REDIS_SOURCE_PASSWORD", TwoRedisResource.SOURCE_PASSWORD, "DF2REDIS_TARGET_PASSWORD", TwoRedisResource.TARGET_PASSWORD));
        List<List<String>> writes = new ArrayList<>();
        List<List<String>> reads = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            writes.add(List.of("SET", "split:" + i, "S"));
            reads.add(List.of("GET", "split:" + i));
        }
        app.pipeline(writes);
        List<List<String>> behindTheProxy = new ArrayList<>();
        writes.forEach(w -> behindTheProxy.add(List.of("SET", w.get(1), "T")));
        TwoRedisResource.target().pipeline(behindTheProxy);

        // as the drain would after applying those writes: from then on their reads may go to the target
        reportAppliedThroughHead();
        control.console().applyRoute(new ProxyRoutes(sticky).render(RouteKind.READ_SPLIT, 25)).await().atMost(Duration.ofSeconds(5));
        List<Object> first = app.pipeline(reads);
        List<Object> second = app.pipeline(reads);
        control.applyRoute(RouteKind.DUAL_WRITE, 0).await().atMost(Duration.ofSeconds(10));

        long fromTarget = first.stream().filter("T"::equals).count();
        assertEquals(first, second, "each key is read from the same side every time");
        assertTrue(fromTarget > 50 && fromTarget < 150, "about a quarter of the keys read from the target: " + fromTarget);
        assertTrue(first.stream().allMatch(v -> "S".equals(v) || "T".equals(v)));
    }

    @Test
    @Order(9)
    void duringAReadSplitAReadOfAKeyWhoseWriteTheDrainHasNotAppliedGoesToThePrimary() throws Exception {
        control.applyRoute(RouteKind.READ_SPLIT, 100).await().atMost(Duration.ofSeconds(10));
        try {
            // the drain has applied every write so far (a restarted proxy reads only from the primary until it knows that)
            reportAppliedThroughHead();
            // a key only ever written behind the proxy: the route sends its reads to the target
            TwoRedisResource.source().command("SET", "ryw:untouched", "S");
            TwoRedisResource.target().command("SET", "ryw:untouched", "T");
            assertEquals("T", app.command("GET", "ryw:untouched"), "100 % of reads go to the target");

            app.command("SET", "ryw:hot", "new");
            app.command("RPUSH", "ryw:list", "a", "b");
            // the target lags: an older copy landed after the mirrored write, as a drain's RESTORE can
            TwoRedisResource.target().command("SET", "ryw:hot", "old");
            TwoRedisResource.target().command("DEL", "ryw:list");
            assertEquals("new", app.command("GET", "ryw:hot"), "a read of a key with an unapplied journal record goes to the primary");
            assertEquals(List.of("new", "S"), app.command("MGET", "ryw:hot", "ryw:untouched"), "one unapplied key sends the whole read to the primary");
            assertEquals(2L, app.command("LLEN", "ryw:list"));
            assertEquals(List.of("a", "b"), app.command("LRANGE", "ryw:list", "0", "-1"));
            ReadsState reads = control.console().status().await().atMost(Duration.ofSeconds(5)).reads();
            assertTrue(reads.readsFromMirror(), reads.toString());
            assertTrue(reads.unappliedKeys() >= 2 || reads.primaryOnly(), reads.toString());

            long head = reportAppliedThroughHead();
            assertEquals("old", app.command("GET", "ryw:hot"), "once the drain applied the write, the read split applies to the key again");
            assertEquals(head, control.console().status().await().atMost(Duration.ofSeconds(5)).reads().applied());

            app.command("INCR", "ryw:counter");
            TwoRedisResource.target().command("SET", "ryw:counter", "0");
            assertEquals("1", app.command("GET", "ryw:counter"), "a write after the applied point is tracked again");
        } finally {
            control.applyRoute(RouteKind.DUAL_WRITE, 0).await().atMost(Duration.ofSeconds(10));
        }
    }

    /** What the drain does after a batch: the service passes the applied sequence to the proxy (a CDI event). */
    private long reportAppliedThroughHead() {
        long head = control.console().status().await().atMost(Duration.ofSeconds(5)).journal().head();
        appliedEvents.fire(new io.df2redis.proxy.JournalApplied(head));
        await().atMost(Duration.ofSeconds(10)).until(() -> control.console().status().await().atMost(Duration.ofSeconds(5))
                .reads().applied() >= head);
        return head;
    }

    @Test
    @Order(10)
    void switchingTheMultiWriteModeKeepsTheProcessItsConnectionsAndItsRoute() throws Exception {
        control.applyRoute(RouteKind.FLIPPED, 0).await().atMost(Duration.ofSeconds(10));
        long pid = ((Number) store.read(s -> s.proxy.get("pid"))).longValue();
        try (RespConnection connected = app.connect()) {
            assertEquals("OK", connected.command("SET", "p:before-switch", "1"));
            control.switchMultiWriteMode(io.df2redis.config.MigrationConfig.MultiWriteMode.ALL_RESOURCES_CHECK_ERROR)
                    .await().atMost(Duration.ofSeconds(30));
            ProxyStatus status = control.console().status().await().atMost(Duration.ofSeconds(5));
            assertEquals("ALL_RESOURCES_CHECK_ERROR", status.multiWriteMode());
            assertTrue(status.route().toString().startsWith("{\"type\":\"simple\",\"operation\":{\"type\":\"rw_separate\",\"read\":\"redis://******@"
                    + TwoRedisResource.target().address()), "the flipped route stays: " + status.route());
            assertEquals(pid, ((Number) store.read(s -> s.proxy.get("pid"))).longValue(), "no restart");
            assertEquals("OK", connected.command("SET", "p:after-switch", "1"), "a connection opened before the switch still works");
        }
        assertEquals("1", TwoRedisResource.source().command("GET", "p:after-switch"));
        assertTrue(Files.readString(supervisor.directory().resolve("proxy.properties")).contains("multiWriteMode=ALL_RESOURCES_CHECK_ERROR"),
                "a restarted proxy starts in the new mode");

        // In ALL_RESOURCES_CHECK_ERROR a write the mirror refuses reaches the client as an error: the mode is really in force.
        TwoRedisResource.target().command("SET", "p:wrongtype", "x");
        TwoRedisResource.source().command("DEL", "p:wrongtype");
        Object reply = app.command("LPUSH", "p:wrongtype", "a");
        assertTrue(reply instanceof RespConnection.Error e && e.message().startsWith("WRONGTYPE"), "the mirror's error is returned: " + reply);
        TwoRedisResource.source().command("DEL", "p:wrongtype");
        TwoRedisResource.target().command("DEL", "p:wrongtype");
        control.applyRoute(RouteKind.DUAL_WRITE, 0).await().atMost(Duration.ofSeconds(10));
    }

    @Test
    @Order(11)
    void aWriteTheJournalCannotTakeIsRefusedAndNeverForwarded() throws Exception {
        Path wal = TwoRedisResource.home().resolve("state/wal");
        // The proxy rewrites its status file in that directory twice a second: delete until it is gone.
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
            try (Stream<Path> files = Files.walk(wal)) {
                for (Path path : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
            Files.writeString(wal, "a file where the journal directory was", java.nio.file.StandardOpenOption.CREATE_NEW);
            return true;
        });
        String refusedKey = null;
        for (int i = 0; i < 1200 && refusedKey == null; i++) {
            Object reply = app.command("SET", "p:fail-closed:" + i, "1");
            if (reply instanceof RespConnection.Error error) {
                assertTrue(error.message().contains("write refused: the journal cannot be written")
                        && error.message().contains("nothing was run"), error.message());
                refusedKey = "p:fail-closed:" + i;
            }
        }
        assertTrue(refusedKey != null, "once the journal cannot open its next segment, writes are refused");
        assertEquals(null, TwoRedisResource.source().command("GET", refusedKey), "a refused write never reaches the source");
        assertEquals(null, TwoRedisResource.target().command("GET", refusedKey));

        Files.delete(wal);
        Files.createDirectories(wal);
        assertEquals("OK", app.command("SET", "p:journal-back", "1"), "writes go on once the journal can be written again");
    }

    @Test
    @Order(12)
    void applicationsAuthenticateWithTheSourcesPasswordAndGetNoDataWithout() throws Exception {
        RespClient anonymous = new RespClient("127.0.0.1", PROXY_PORT, Optional.empty());
        Object refused = anonymous.command("GET", "p:str");
        assertTrue(refused instanceof RespConnection.Error e && e.message().startsWith("NOAUTH"), String.valueOf(refused));
        List<Object> wrong = anonymous.pipeline(List.of(List.of("AUTH", "not-the-password"), List.of("GET", "p:str")));
        assertTrue(wrong.get(0) instanceof RespConnection.Error e && e.message().startsWith("WRONGPASS"), String.valueOf(wrong));
        assertTrue(wrong.get(1) instanceof RespConnection.Error e && e.message().startsWith("NOAUTH"), String.valueOf(wrong));
        List<Object> target = anonymous.pipeline(List.of(List.of("AUTH", TwoRedisResource.TARGET_PASSWORD), List.of("GET", "p:str")));
        assertTrue(target.get(1) instanceof RespConnection.Error e && e.message().startsWith("NOAUTH"),
                "the target's password is not the source's: " + target);
        List<Object> asUser = anonymous.pipeline(List.of(List.of("AUTH", "default", TwoRedisResource.SOURCE_PASSWORD), List.of("GET", "p:str")));
        assertEquals(List.of("OK", "v1-more"), asUser, "AUTH with the user name works too");
        assertEquals("v1-more", app.command("GET", "p:str"), "the source's password opens the proxy");
    }

    @Test
    @Order(13)
    void theConsoleAnswersOnlyWithItsTokenAndTheTokenFileIsPrivate() throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.net.URI status = java.net.URI.create("http://127.0.0.1:" + CONSOLE_PORT + "/status");
        assertEquals(401, http.send(java.net.http.HttpRequest.newBuilder(status).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode());
        java.net.URI fence = java.net.URI.create("http://127.0.0.1:" + CONSOLE_PORT + "/fence?state=on&mode=reject");
        assertEquals(401, http.send(java.net.http.HttpRequest.newBuilder(fence).header("Authorization", "Bearer wrong")
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode());
        assertEquals("OK", app.command("SET", "p:not-fenced", "1"), "a refused console call changed nothing");
        Path tokenFile = supervisor.directory().resolve("console.token");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)));
        String token = Files.readString(tokenFile).trim();
        assertTrue(token.length() >= 32, "a generated token of 24 random bytes");
        assertEquals(200, http.send(java.net.http.HttpRequest.newBuilder(status).header("Authorization", "bearer " + token).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode(), "the scheme is case-insensitive");
        assertFalse(Files.readString(TwoRedisResource.serviceLog()).contains(token), "the token is never logged");
    }

    @Test
    @Order(14)
    void everyFileHoldingASecretStaysPrivateAfterRouteChanges() throws Exception {
        control.applyRoute(RouteKind.FLIPPED, 0).await().atMost(Duration.ofSeconds(10));
        control.applyRoute(RouteKind.READ_SPLIT, 50).await().atMost(Duration.ofSeconds(10));
        control.applyRoute(RouteKind.DUAL_WRITE, 0).await().atMost(Duration.ofSeconds(10));
        for (String file : List.of("route.json", "proxy.properties", "console.token")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(supervisor.directory().resolve(file))),
                    file + " after three route changes");
        }
    }

    @Test
    @Order(15)
    void stoppingLeavesNoProxyBehind() {
        long pid = ((Number) store.read(s -> s.proxy.get("pid"))).longValue();
        supervisor.stop().await().atMost(Duration.ofSeconds(20));
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        assertFalse(Files.exists(supervisor.directory().resolve("proxy.pid")));
    }

    private List<String[]> journal() throws IOException {
        List<String[]> records = new ArrayList<>();
        Path wal = TwoRedisResource.home().resolve("state/wal");
        try (Stream<Path> files = Files.list(wal)) {
            for (Path file : files.filter(f -> f.getFileName().toString().startsWith("journal-")).sorted().toList()) {
                for (String line : Files.readAllLines(file)) {
                    records.add(line.split(" "));
                }
            }
        }
        return records;
    }

    private static Object dump(LocalRedis redis, String key) throws IOException {
        String type = (String) redis.command("TYPE", key);
        return switch (type) {
            case "string" -> redis.command("GET", key);
            case "hash" -> new java.util.TreeMap<>(pairs((List<?>) redis.command("HGETALL", key)));
            case "list" -> redis.command("LRANGE", key, "0", "-1");
            case "set" -> new java.util.TreeSet<>((List<?>) redis.command("SMEMBERS", key)).toString();
            case "zset" -> redis.command("ZRANGE", key, "0", "-1", "WITHSCORES");
            case "stream" -> redis.command("XRANGE", key, "-", "+");
            default -> type;
        };
    }

    private static Map<Object, Object> pairs(List<?> flat) {
        Map<Object, Object> map = new HashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            map.put(flat.get(i), flat.get(i + 1));
        }
        return map;
    }

    /** True when /proc/net/tcp{,6} show the port listening, and only on a loopback address. */
    private static boolean listensOnLoopbackOnly(int port) throws IOException {
        String hexPort = String.format(":%04X", port);
        List<String> listeners = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Files.readAllLines(Path.of(table)).stream()
                    .map(String::trim).map(l -> l.split("\\s+"))
                    .filter(f -> f.length > 3 && f[1].endsWith(hexPort) && f[3].equals("0A"))
                    .forEach(f -> listeners.add(f[1].substring(0, f[1].indexOf(':'))));
        }
        return !listeners.isEmpty() && listeners.stream().allMatch(a -> a.equals("0100007F")
                || a.equals("0000000000000000FFFF00000100007F") || a.equals("00000000000000000000000001000000"));
    }

    private static int freePort() {
        try {
            return LocalRedis.freePort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
