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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Read-your-writes through the read batches, end to end: the packaged service runs the live plan with
 * the real proxy; at 10 %, 50 % and 100 % of reads on the target, four clients each run INCR then GET
 * on a few hot keys shared by all of them, while the drain copies those keys behind them. A GET that
 * returns less than the INCR just answered on the same connection read a value older than a write the
 * proxy had acknowledged. Cold keys are read too, to show that reads do reach the target.
 */
@ExtendWith(ServiceLogOnFailure.class)
class ReadYourWritesIT {

    private static final String TOKEN = "ryw-it-token-4410";
    private static final int CLIENTS = 4;
    private static final int PAIRS_PER_SHARE = 2000;
    private static final int HOT_KEYS = 3;
    private static final int COLD_KEYS = 200;

    @TempDir
    Path home;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void noReadThroughTheProxyIsOlderThanAnAcknowledgedWriteAtAnyReadShare() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty())) {
            DemoDataset.load(source, 100, 3);
            for (int i = 0; i < COLD_KEYS; i++) {
                source.client().command("SET", "ryw:cold:" + i, "v" + i);
            }
            int port = LocalRedis.freePort();
            int proxyPort = LocalRedis.freePort();
            Path file = home.resolve("migrate.yaml");
            // the 10 % and 50 % batches have held before the clients run; the 100 % batch holds (and verifies every second) while they run
            Files.writeString(file, """
                    source: {type: redis, addr: "%s"}
                    target: {seed: "%s"}
                    stateDir: state
                    dashboard: {addr: "127.0.0.1:%d"}
                    proxy: {endpoint: "127.0.0.1:%d", consolePort: %d, stopWithService: true}
                    migrate:
                      mode: live
                      cutover:
                        auto: false
                        checkEvery: 1s
                        batches:
                          - {percentage: 10, duration: 1s}
                          - {percentage: 50, duration: 1s}
                          - {percentage: 100, duration: 1h}
                    verify: {mode: sample}
                    sync: {readyFor: 1s}
                    """.formatted(source.address(), target.address(), port, proxyPort, LocalRedis.freePort()));
            String base = "http://127.0.0.1:" + port;
            Map<String, String> env = Map.of("DF2REDIS_CONFIG", file.toString(), "DF2REDIS_CONTROL_TOKEN", TOKEN);
            try (Df2redisProcess process = Df2redisProcess.start(home, env, "serve")) {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> get(base + "/q/health/live") == 200);
                assertEquals(202, post(base + "/api/v1/migration"));

                List<String> report = new ArrayList<>();
                int[] shares = {10, 50, 100};
                for (int index = 0; index < shares.length; index++) {
                    int share = shares[index];
                    if (index > 0) {
                        assertEquals(202, post(base + "/api/v1/migration/cutover/advance"));
                    }
                    int batch = index;
                    // batches 10 and 50 have held and wait for an advance (their route stays); 100 holds for an hour
                    await().atMost(Duration.ofSeconds(120)).until(() -> {
                        JsonNode status = status(base);
                        return status.path("proxy").path("readPercent").asInt() == share
                                && "awaiting-advance holding".contains(status.path("cutover").path("state").asText())
                                && (batch == 2 || "awaiting-advance".equals(status.path("cutover").path("state").asText()));
                    });
                    long targetGetsBefore = commandCalls(target, "get");
                    long targetEvalsBefore = commandCalls(target, "eval");
                    long sourceEvalsBefore = commandCalls(source, "eval");
                    Result result = pairs(proxyPort, share);
                    // a read sent to the primary runs as an EVAL on both sides, and its GET inside counts on the target too
                    long primaryReads = commandCalls(source, "eval") - sourceEvalsBefore;
                    long targetGets = commandCalls(target, "get") - targetGetsBefore - (commandCalls(target, "eval") - targetEvalsBefore);
                    report.add(share + "%: " + result.pairs + " INCR->GET pairs, " + result.stale + " stale; of "
                            + 2 * result.pairs + " GETs, " + targetGets + " served by the target, " + primaryReads + " sent to the primary as unapplied");
                    assertEquals(0, result.stale, "reads older than the write just acknowledged at " + share + "% of reads on the target: "
                            + result.examples);
                    assertTrue(targetGets > 0, "some reads went to the target at " + share + "%: " + report);
                }
                JsonNode cutover = status(base).path("cutover");
                assertEquals("holding", cutover.path("state").asText(), "the hot keys did not block the 100 % batch: " + cutover);
                System.out.println("read-your-writes: " + String.join("; ", report));
                process.process().toHandle().destroy();
                process.await(30);
            }
        }
    }

    private record Result(int pairs, int stale, List<String> examples) {
    }

    /** CLIENTS connections, each PAIRS_PER_SHARE / CLIENTS rounds of INCR hot; GET hot; GET cold. */
    private Result pairs(int proxyPort, int share) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        try {
            List<Future<List<String>>> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                clients.add(pool.submit(() -> {
                    List<String> stale = new ArrayList<>();
                    try (RespConnection app = new RespClient("127.0.0.1", proxyPort, Optional.empty()).connect()) {
                        for (int i = 0; i < PAIRS_PER_SHARE / CLIENTS; i++) {
                            String key = "ryw:hot:" + (i + client) % HOT_KEYS;
                            long written = (Long) app.command("INCR", key);
                            long read = Long.parseLong(String.valueOf(app.command("GET", key)));
                            if (read < written) {
                                stale.add(key + " INCR " + written + " then GET " + read);
                            }
                            app.command("GET", "ryw:cold:" + (i * CLIENTS + client) % COLD_KEYS);
                        }
                    }
                    return stale;
                }));
            }
            List<String> stale = new ArrayList<>();
            for (Future<List<String>> client : clients) {
                stale.addAll(client.get());
            }
            return new Result(PAIRS_PER_SHARE / CLIENTS * CLIENTS, stale.size(), stale.subList(0, Math.min(5, stale.size())));
        } finally {
            pool.shutdownNow();
        }
    }

    private static long commandCalls(LocalRedis redis, String command) throws Exception {
        String info = String.valueOf(redis.client().command("INFO", "commandstats"));
        long calls = 0;
        for (String line : info.split("\r?\n")) {
            // an EVAL may reach a side as EVALSHA
            if (line.startsWith("cmdstat_" + command + ":calls=") || command.equals("eval") && line.startsWith("cmdstat_evalsha:calls=")) {
                calls += Long.parseLong(line.substring(line.indexOf('=') + 1, line.indexOf(',')));
            }
        }
        return calls;
    }

    private JsonNode status(String base) throws Exception {
        return StatusJson.MAPPER.readTree(http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/migration"))
                .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body());
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
}
