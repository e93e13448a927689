package io.df2redis.it;

import io.df2redis.contract.resp.RespConnection;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.df2redis.local.DemoDataset;
import io.df2redis.local.LocalRedis;
import io.df2redis.contract.resp.RespClient;
import io.df2redis.state.StatusJson;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The consistency contract end to end: the packaged service in {@code serve} mode, real source and
 * target, the real proxy, and a {@link LiveWriter} writing a mix through the proxy all along.
 */
@ExtendWith(ServiceLogOnFailure.class)
class ConsistencyIT {

    private static final String TOKEN = "consistency-it-token-7731";

    @TempDir
    Path home;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * Steps: seed the writer's keys and a dataset on the source; start the migration; once the proxy
     * is up, start the writer; during the import, kill -9 the proxy (the supervisor restarts it and
     * records a possible-loss window); after the import, change a key on the target behind the proxy's
     * back; the plan runs sync, verify (forced to a full pass by the window, which repairs the injected
     * key), three read batches, the fenced write flip, and waits in cleanup's observation window.
     * There, with the writer stopped: both sides equal key for key, and neither misses an acknowledged
     * write. Then advance: the cleanup removes df2redis's own keys and writes the report.
     */
    @Test
    void migratesUnderLiveWritesThroughAProxyCrashAndAnInjectedMismatch() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty())) {
            DemoDataset.load(source, 150, 3);
            Service service = serve(source, target, """
                    migrate:
                      mode: live
                      scanCount: 50
                      throttle: {maxOpsPerMaster: 1500}
                      cutover:
                        checkEvery: 300ms
                        batches:
                          - {label: canary, percentage: 10, duration: 2s}
                          - {label: half, percentage: 50, duration: 2s}
                          - {label: all, percentage: 100, duration: 2s}
                    verify: {mode: sample}
                    sync: {readyFor: 3s}
                    cleanup: {observeFor: 1h}
                    """);
            try (Df2redisProcess process = service.process;
                 LiveWriter writer = LiveWriter.seeded(source.client(), service.proxyPort, 400)) {
                assertEquals(202, post(service.base + "/api/v1/migration"));
                await().atMost(Duration.ofSeconds(60)).until(() -> stageStatus(service, "start-proxy").equals("succeeded"));
                writer.start();

                await().atMost(Duration.ofSeconds(60)).until(() -> stageStatus(service, "import").equals("running"));
                long proxyPid = status(service).path("proxy").path("pid").asLong();
                ProcessHandle.of(proxyPid).orElseThrow().destroyForcibly();
                await().atMost(Duration.ofSeconds(60)).until(() -> status(service).path("possibleLossWindows").size() >= 1
                        && status(service).path("proxy").path("pid").asLong() != proxyPid
                        && "running".equals(status(service).path("proxy").path("state").asText()));

                await().atMost(Duration.ofSeconds(120)).until(() -> stageStatus(service, "import").equals("succeeded"));
                target.command("SET", "demo:string:7", "changed-behind-the-proxy");

                await().atMost(Duration.ofSeconds(180)).until(() -> stageStatus(service, "cleanup").equals("running")
                        || status(service).path("status").asText().matches("failed|blocked"));
                JsonNode flipped = status(service);
                assertEquals("running", stageStatus(service, "cleanup"), flipped.toPrettyString());
                writer.stop();
                await().atMost(Duration.ofSeconds(30)).until(() -> status(service).path("metrics").path("sync_backlog_records").asDouble() == 0);

                JsonNode verify = StatusFiles.stage(flipped, "verify").path("findings").path("verify");
                assertEquals("full", verify.path("mode").asText(), "a possible-loss window forces a full pass: " + verify);
                assertTrue(verify.path("repaired").asLong() >= 1, "the key changed behind the proxy was repaired: " + verify);
                assertTrue(flipped.path("possibleLossWindows").get(0).path("coveredByFullVerify").asBoolean(), flipped.toPrettyString());
                assertTrue(flipped.path("cutover").path("writesFlipped").asBoolean(), flipped.path("cutover").toPrettyString());
                assertEquals("changed-behind-the-proxy".equals(target.command("GET", "demo:string:7")), false);

                RespClient s = source.client();
                RespClient t = target.client();
                List<String> differences = LiveWriter.differences(s, t);
                assertEquals(List.of(), differences, "both sides equal after the write cutover");
                assertEquals(List.of(), writer.lostWrites(t), "the target (now primary) holds every acknowledged write");
                assertEquals(List.of(), writer.lostWrites(s), "the source (mirror) holds every acknowledged write");
                assertTrue(writer.acknowledged() > 500 && writer.uncertainKeys() < 40, "the writer wrote all along: " + LiveWriter.summary(writer));
                JsonNode fence = flipped.path("fence");
                System.out.printf("FIGURE live migration: %s; fence %s; drain %.0f keys copied; verify %s%n",
                        LiveWriter.summary(writer), fence.path("attempts"), flipped.path("metrics").path("sync_keys_copied").asDouble(),
                        verify);

                assertEquals(202, post(service.base + "/api/v1/migration/cutover/advance"));
                await().atMost(Duration.ofSeconds(60)).until(() -> status(service).path("status").asText().equals("succeeded"));
                for (RespClient side : List.of(s, t)) {
                    assertEquals(List.of(), side.command("KEYS", "meta:*"), "meta keys removed");
                    assertEquals(List.of(), side.command("KEYS", "MIGRATE_*"), "MIGRATE_* keys removed");
                }
                assertTrue(Files.exists(home.resolve("state/report.json")), "the final report is written");
                assertEquals("target", status(service).path("proxy").path("route").asText());
                stop(process);
            }
        }
    }

    /**
     * Steps: migrate with the writer on until the write flip (the target is primary, the cleanup
     * observes); the writer goes on; rollback: the reverse drain copies the keys written on the
     * target into the source, a fenced flip makes the source primary again, the route returns to the
     * source. The writer goes on a little, then stops: the source holds every acknowledged write, and
     * its connection never broke (no connection error from the first connect to the end). Alongside,
     * a producer, two BRPOP consumers, a publisher and a subscriber (Jedis): every job is taken
     * exactly once and every message received once, in order, across the flip and the rollback.
     */
    @Test
    void rollsBackAfterTheWriteFlipWithoutLosingAWrite() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty())) {
            DemoDataset.load(source, 30, 5);
            Service service = serve(source, target, """
                    migrate:
                      mode: live
                      cutover:
                        checkEvery: 300ms
                        batches:
                          - {label: all, percentage: 100, duration: 1s}
                    verify: {mode: full}
                    cleanup: {observeFor: 1h}
                    """);
            try (Df2redisProcess process = service.process;
                 LiveWriter writer = LiveWriter.seeded(source.client(), service.proxyPort, 400);
                 QueueAndTopicClients apps = new QueueAndTopicClients(service.proxyPort)) {
                assertEquals(202, post(service.base + "/api/v1/migration"));
                await().atMost(Duration.ofSeconds(60)).until(() -> stageStatus(service, "start-proxy").equals("succeeded"));
                writer.start();
                apps.start();
                await().atMost(Duration.ofSeconds(120)).until(() -> stageStatus(service, "cleanup").equals("running")
                        || status(service).path("status").asText().matches("failed|blocked"));
                assertEquals("running", stageStatus(service, "cleanup"), status(service).toPrettyString());
                long written = writer.acknowledged();
                await().atMost(Duration.ofSeconds(30)).until(() -> writer.acknowledged() > written + 500);

                assertEquals(202, post(service.base + "/api/v1/migration/rollback"));
                await().atMost(Duration.ofSeconds(90)).until(() -> "rollback".equals(status(service).path("plan").asText())
                        && status(service).path("status").asText().matches("succeeded|failed|blocked"));
                JsonNode done = status(service);
                assertEquals("succeeded", done.path("status").asText(), done.toPrettyString());
                long afterRollback = writer.acknowledged();
                await().atMost(Duration.ofSeconds(30)).until(() -> writer.acknowledged() > afterRollback + 300);
                writer.stop();
                apps.stop();
                assertEquals(List.of(), apps.failures(), apps.summary());
                assertEquals(List.of(), apps.jobsNotTakenExactlyOnce(), "every job pushed through the plan, the flip and the "
                        + "rollback was taken by a BRPOP exactly once: " + apps.summary());
                assertEquals(List.of(), apps.messagesNotReceivedOnceInOrder(), "the subscriber followed the flip and the rollback: "
                        + apps.summary());
                assertEquals(0, apps.publishesNotReachingOneSubscriber(), "each PUBLISH reached the one subscriber");
                assertEquals(List.of(), apps.countersNotMatching(source.client()), "WATCH increments, transactions, EVALSHA, a "
                        + "script's undeclared key and increments under a Redisson lock, through the plan, the flip and the rollback, "
                        + "are all on the source: " + apps.summary());
                assertEquals(List.of(), apps.streamEntriesNotAckedOnce(), "the consumer group (XREADGROUP BLOCK, XACK) went on "
                        + "across the flip and the rollback: " + apps.summary());
                assertEquals(0L, ((List<?>) source.command("XPENDING", "it:stream", "workers")).get(0),
                        "nothing left pending on the source after the rollback");
                System.out.printf("FIGURE queue and topic through the plan and the rollback: %s%n", apps.summary());

                assertEquals("source", done.path("proxy").path("route").asText());
                assertEquals("rolled-back", done.path("cutover").path("state").asText());
                assertEquals(0, writer.connectionErrors(), "the application's connection never broke, through import, sync, "
                        + "the multi-write mode change, the read batch, the flip and the rollback: " + LiveWriter.summary(writer));
                assertEquals(List.of(), writer.lostWrites(source.client()),
                        "the source holds every write acknowledged before, during and after the time the target was primary");
                System.out.printf("FIGURE rollback after the flip: %s; fence attempts %s%n", LiveWriter.summary(writer),
                        done.path("fence").path("attempts"));
                stop(process);
            }
        }
    }

    /**
     * Steps: migrate with {@code cutover.auto: false}; the first read batch holds, the second waits
     * for an advance; rollback there with {@code rollback.purgeTarget}: the route returns to the
     * source, which holds every acknowledged write, and the target no longer holds migrated keys.
     */
    @Test
    void rollsBackFromAReadBatchAndPurgesTheTarget() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty())) {
            DemoDataset.load(source, 30, 9);
            Service service = serve(source, target, """
                    migrate:
                      mode: live
                      cutover:
                        auto: false
                        checkEvery: 300ms
                        batches:
                          - {label: canary, percentage: 20, duration: 1s}
                          - {label: all, percentage: 100, duration: 1s}
                    rollback: {purgeTarget: true}
                    """);
            try (Df2redisProcess process = service.process;
                 LiveWriter writer = LiveWriter.seeded(source.client(), service.proxyPort, 300)) {
                assertEquals(202, post(service.base + "/api/v1/migration"));
                await().atMost(Duration.ofSeconds(60)).until(() -> stageStatus(service, "start-proxy").equals("succeeded"));
                writer.start();
                await().atMost(Duration.ofSeconds(120)).until(() -> "awaiting-advance".equals(status(service).path("cutover").path("state").asText())
                        || status(service).path("status").asText().matches("failed|blocked"));
                assertEquals("awaiting-advance", status(service).path("cutover").path("state").asText(), status(service).toPrettyString());

                assertEquals(202, post(service.base + "/api/v1/migration/rollback"));
                await().atMost(Duration.ofSeconds(90)).until(() -> "rollback".equals(status(service).path("plan").asText())
                        && status(service).path("status").asText().matches("succeeded|failed|blocked"));
                JsonNode done = status(service);
                assertEquals("succeeded", done.path("status").asText(), done.toPrettyString());
                long afterRollback = writer.acknowledged();
                await().atMost(Duration.ofSeconds(30)).until(() -> writer.acknowledged() > afterRollback + 200);
                writer.stop();

                assertEquals("source", done.path("proxy").path("route").asText());
                assertEquals(List.of(), writer.lostWrites(source.client()), "the source holds every acknowledged write");
                assertEquals(0L, target.command("DBSIZE"), "purgeTarget removed the migrated keys from the target: "
                        + StatusFiles.stage(status(service), "rollback-purge") + " left e.g. " + target.command("SCAN", "0"));
                assertEquals(409, post(service.base + "/api/v1/migration/cutover/advance"), "nothing waits for an advance now");
                stop(process);
            }
        }
    }

    /**
     * Steps: migrate with the writer on; while the import runs, kill -9 the service (the proxy, its
     * child, keeps serving the writer and journaling); start {@code serve} again: it adopts the proxy,
     * continues the plan from the import's checkpoint; during the sync the target stops answering
     * for 12 s ({@code DEBUG SLEEP}, longer than the writer's timeout and its retries): the drain retries with backoff and goes on; kill -9 the service
     * again during the sync and restart it. The plan reaches the cleanup's observation window with
     * both sides equal and no acknowledged write lost on either side.
     */
    @Test
    void resumesAfterTheServiceIsKilledDuringImportAndSyncAndRidesOutATargetOutage() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty(), "--enable-debug-command", "yes")) {
            DemoDataset.load(source, 100, 13);
            String extra = """
                    migrate:
                      mode: live
                      scanCount: 50
                      throttle: {maxOpsPerMaster: 1500}
                      cutover:
                        checkEvery: 300ms
                        batches:
                          - {label: all, percentage: 100, duration: 1s}
                    verify: {mode: full}
                    sync: {readyFor: 8s}
                    cleanup: {observeFor: 1h}
                    """;
            Service first = serve(source, target, extra);
            try (LiveWriter writer = LiveWriter.seeded(source.client(), first.proxyPort, 400)) {
                assertEquals(202, post(first.base + "/api/v1/migration"));
                await().atMost(Duration.ofSeconds(60)).until(() -> stageStatus(first, "start-proxy").equals("succeeded"));
                writer.start();
                await().atMost(Duration.ofSeconds(60)).until(() -> StatusFiles.read(first.statusFile).path("stages").toString()
                        .contains("\"name\":\"import\",\"status\":\"running\"") && importedKeys(first) > 300);
                long proxyPid = StatusFiles.read(first.statusFile).path("proxy").path("pid").asLong();
                first.process.process().destroyForcibly();
                first.process.await(20);
                long during = writer.acknowledged();
                await().atMost(Duration.ofSeconds(10)).until(() -> writer.acknowledged() > during + 200);
                assertTrue(ProcessHandle.of(proxyPid).map(ProcessHandle::isAlive).orElse(false), "the proxy outlives a killed service");

                Service second = restart(first);
                await().atMost(Duration.ofSeconds(120)).until(() -> stageStatus(second, "sync").equals("running")
                        || status(second).path("status").asText().matches("failed|blocked"));
                assertEquals("running", stageStatus(second, "sync"), status(second).toPrettyString());
                assertEquals(proxyPid, status(second).path("proxy").path("pid").asLong(), "the restarted service adopted the running proxy");
                assertTrue(StatusFiles.stage(status(second), "import").path("resumes").asInt() >= 1, "the import continued from its checkpoint");
                Thread outage = new Thread(() -> {
                    try {
                        target.client().command("DEBUG", "SLEEP", "12");
                    } catch (java.io.IOException e) {
                        // the sleep is the point
                    }
                });
                outage.start();
                await().atMost(Duration.ofSeconds(30)).until(() -> status(second).path("recentEvents").toString().contains("\"sync.retrying\""));
                outage.join();
                await().atMost(Duration.ofSeconds(60)).until(() -> status(second).path("recentEvents").toString().contains("\"sync.recovered\""));
                second.process.process().destroyForcibly();
                second.process.await(20);

                Service third = restart(first);
                await().atMost(Duration.ofSeconds(180)).until(() -> stageStatus(third, "cleanup").equals("running")
                        || status(third).path("status").asText().matches("failed|blocked"));
                assertEquals("running", stageStatus(third, "cleanup"), status(third).toPrettyString());
                writer.stop();
                await().atMost(Duration.ofSeconds(30)).until(() -> status(third).path("metrics").path("sync_backlog_records").asDouble() == 0);
                assertEquals(List.of(), LiveWriter.differences(source.client(), target.client()), "both sides equal");
                assertEquals(List.of(), writer.lostWrites(target.client()), "the target holds every acknowledged write");
                assertEquals(List.of(), writer.lostWrites(source.client()), "so does the source");
                System.out.printf("FIGURE kill -9 of the service during import and sync, target outage: %s; drain state %s%n",
                        LiveWriter.summary(writer), status(third).path("drain"));
                stop(third.process);
            }
        }
    }

    /**
     * Steps: migrate with {@code cutover.auto: false}, a sample rate of 1 and the writer on; from the
     * start of the cutover three rogue clients write one key on the target directly, behind the proxy,
     * again and again: the first batch's sample pass finds it, repairs it, finds it different again after its rounds, the gate closes, reads
     * return to the source and the stage is blocked with the key in {@code mismatches.jsonl}. The
     * rogue client stops; resume: the reported key is checked again and repaired, the batch runs
     * again and holds; advance: the next batch, the write flip. Nothing acknowledged is lost.
     */
    @Test
    void aMismatchBehindTheProxysBackBlocksTheCutoverUntilFixedThenItProceeds() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty())) {
            DemoDataset.load(source, 30, 21);
            Service service = serve(source, target, """
                    migrate:
                      mode: live
                      cutover:
                        auto: false
                        checkEvery: 300ms
                        batches:
                          - {label: canary, percentage: 20, duration: 3s}
                          - {label: all, percentage: 100, duration: 1s}
                    verify: {mode: full, rounds: 2, recheckTimeout: 5s}
                    consistency: {sampleRate: 1.0}
                    cleanup: {observeFor: 1h}
                    """);
            try (Df2redisProcess process = service.process;
                 LiveWriter writer = LiveWriter.seeded(source.client(), service.proxyPort, 300)) {
                assertEquals(202, post(service.base + "/api/v1/migration"));
                await().atMost(Duration.ofSeconds(60)).until(() -> stageStatus(service, "start-proxy").equals("succeeded"));
                writer.start();
                await().atMost(Duration.ofSeconds(120)).until(() -> stageStatus(service, "cutover").equals("running")
                        || status(service).path("status").asText().matches("failed|blocked"));
                AtomicBoolean rogue = new AtomicBoolean(true);
                // Three writers, so that on a loaded host a repair is still overwritten before it is compared.
                List<Thread> behindTheBack = new ArrayList<>();
                for (int rogueWriter = 0; rogueWriter < 3; rogueWriter++) {
                    String prefix = "rogue-" + rogueWriter + "-";
                    Thread thread = new Thread(() -> {
                        long n = 0;
                        try (RespConnection direct = target.client().connect()) {
                            while (rogue.get()) {
                                direct.command("SET", "demo:string:3", prefix + n++);
                            }
                        } catch (Exception e) {
                            // the test ends it
                        }
                    });
                    thread.start();
                    behindTheBack.add(thread);
                }
                // Whether or not the batch's first pass already ran: a write through the proxy makes the key dirty, so the
                // batch's periodic check of dirty keys compares it while the rogue clients keep changing it behind the proxy.
                Thread.sleep(200);
                try (RespConnection app = new RespClient("127.0.0.1", service.proxyPort, Optional.empty()).connect()) {
                    app.command("SET", "demo:string:3", "through-the-proxy");
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> status(service).path("status").asText().matches("blocked|failed|succeeded"));
                rogue.set(false);
                for (Thread thread : behindTheBack) {
                    thread.join();
                }
                JsonNode blocked = status(service);
                assertEquals("blocked", blocked.path("status").asText(), blocked.toPrettyString());
                assertEquals("blocked", blocked.path("cutover").path("state").asText());
                assertTrue(blocked.path("cutover").path("reason").asText().contains("demo:string:3"), blocked.path("cutover").toPrettyString());
                assertEquals("dual-write", blocked.path("proxy").path("route").asText(), "reads are back on the source");
                assertTrue(Files.readString(home.resolve("state/mismatches.jsonl")).contains("demo:string:3"));

                assertEquals(202, post(service.base + "/api/v1/migration/resume"));
                await().atMost(Duration.ofSeconds(60)).until(() -> "awaiting-advance".equals(status(service).path("cutover").path("state").asText())
                        || status(service).path("status").asText().matches("failed|blocked"));
                assertEquals("awaiting-advance", status(service).path("cutover").path("state").asText(), status(service).toPrettyString());
                assertEquals(202, post(service.base + "/api/v1/migration/cutover/advance"));
                await().atMost(Duration.ofSeconds(60)).until(() -> stageStatus(service, "cleanup").equals("running")
                        || status(service).path("status").asText().matches("failed|blocked"));
                assertEquals("running", stageStatus(service, "cleanup"), status(service).toPrettyString());
                writer.stop();
                await().atMost(Duration.ofSeconds(30)).until(() -> status(service).path("metrics").path("sync_backlog_records").asDouble() == 0);
                assertEquals(List.of(), LiveWriter.differences(source.client(), target.client()), "both sides equal");
                assertEquals(List.of(), writer.lostWrites(target.client()), "no acknowledged write lost");
                assertEquals(source.command("GET", "demo:string:3"), target.command("GET", "demo:string:3"), "the rogue value was repaired");
                stop(process);
            }
        }
    }

    /**
     * Steps: migrate with the writer on; rollback while the import runs (before the baseline is
     * copied), or while the sync stage runs (the import is done, the drain copies the journal): the
     * route returns to the source, which holds every acknowledged write, also those made after the
     * rollback.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"import", "sync"})
    void rollsBackDuringTheImportOrTheSync(String phase) throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty())) {
            DemoDataset.load(source, 60, 17);
            Service service = serve(source, target, """
                    migrate:
                      mode: live
                      scanCount: 50
                      throttle: {maxOpsPerMaster: 400}
                    sync: {readyFor: 1h}
                    """);
            try (Df2redisProcess process = service.process;
                 LiveWriter writer = LiveWriter.seeded(source.client(), service.proxyPort, 300)) {
                assertEquals(202, post(service.base + "/api/v1/migration"));
                await().atMost(Duration.ofSeconds(60)).until(() -> stageStatus(service, "start-proxy").equals("succeeded"));
                writer.start();
                await().atMost(Duration.ofSeconds(120)).until(() -> stageStatus(service, phase).equals("running"));
                assertEquals(202, post(service.base + "/api/v1/migration/rollback"));
                await().atMost(Duration.ofSeconds(60)).until(() -> "rollback".equals(status(service).path("plan").asText())
                        && status(service).path("status").asText().matches("succeeded|failed|blocked"));
                JsonNode done = status(service);
                assertEquals("succeeded", done.path("status").asText(), done.toPrettyString());
                assertEquals("failed", StatusFiles.stage(done, phase).path("status").asText(), "the " + phase + " was aborted");
                long afterRollback = writer.acknowledged();
                await().atMost(Duration.ofSeconds(30)).until(() -> writer.acknowledged() > afterRollback + 200);
                writer.stop();
                assertEquals("source", done.path("proxy").path("route").asText());
                assertEquals(List.of(), writer.lostWrites(source.client()), "the source holds every acknowledged write");
                stop(process);
            }
        }
    }

    private long importedKeys(Service service) throws Exception {
        return StatusFiles.read(service.statusFile).path("metrics").path("import_keys_copied").asLong();
    }

    private Service restart(Service earlier) throws Exception {
        Path file = home.resolve("migrate.yaml");
        Map<String, String> env = Map.of("DF2REDIS_CONFIG", file.toString(), "DF2REDIS_CONTROL_TOKEN", TOKEN);
        Df2redisProcess process = Df2redisProcess.start(home, env, "serve");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> get(earlier.base + "/q/health/live") == 200);
        return new Service(process, earlier.base, earlier.proxyPort, earlier.statusFile);
    }

    // ---- helpers ----

    private record Service(Df2redisProcess process, String base, int proxyPort, Path statusFile) {
    }

    private Service serve(LocalRedis source, LocalRedis target, String extra) throws Exception {
        int port = LocalRedis.freePort();
        int proxyPort = LocalRedis.freePort();
        int consolePort = LocalRedis.freePort();
        Path file = home.resolve("migrate.yaml");
        Files.writeString(file, """
                source: {type: redis, addr: "%s"}
                target: {seed: "%s"}
                stateDir: state
                dashboard: {addr: "127.0.0.1:%d"}
                proxy: {endpoint: "127.0.0.1:%d", consolePort: %d, stopWithService: true}
                engine: {checkpointEvery: 1, remoteTimeout: 2s}
                """.formatted(source.address(), target.address(), port, proxyPort, consolePort) + extra);
        Map<String, String> env = Map.of("DF2REDIS_CONFIG", file.toString(), "DF2REDIS_CONTROL_TOKEN", TOKEN);
        Df2redisProcess process = Df2redisProcess.start(home, env, "serve");
        String base = "http://127.0.0.1:" + port;
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> get(base + "/q/health/live") == 200);
        return new Service(process, base, proxyPort, home.resolve("state/status.json"));
    }

    private JsonNode status(Service service) throws Exception {
        return StatusJson.MAPPER.readTree(http.send(HttpRequest.newBuilder(URI.create(service.base + "/api/v1/migration"))
                .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    private String stageStatus(Service service, String stage) throws Exception {
        return StatusFiles.stage(status(service), stage).path("status").asText();
    }

    private int get(String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private int post(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static void stop(Df2redisProcess process) throws Exception {
        process.process().toHandle().destroy();
        process.await(30);
    }
}
