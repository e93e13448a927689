package io.df2redis.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.df2redis.local.DemoDataset;
import io.df2redis.local.LocalRedis;
import io.df2redis.state.StatusJson;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sidecar mode of the packaged service.
 *
 * <p>Steps: start {@code serve} with the file from {@code DF2REDIS_CONFIG} and the token from the
 * environment; measure the time until readiness and the resident memory; start the migration over
 * REST; stop the service with SIGTERM during the import (the run is recorded as interrupted,
 * checkpoint kept); start {@code serve} again: it continues the interrupted plan by itself and the
 * import resumes from its checkpoint.
 */
@ExtendWith(ServiceLogOnFailure.class)
class ServeIT {

    private static final String TOKEN = "serve-it-token-5519";

    @TempDir
    Path home;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void servesRestResumesAfterSigtermAndReportsItsFootprint() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty())) {
            DemoDataset.load(source, 600, 5);
            int port = LocalRedis.freePort();
            Path file = home.resolve("migrate.yaml");
            Files.writeString(file, """
                    source: {type: redis, addr: "%s"}
                    target: {seed: "%s"}
                    stateDir: state
                    dashboard: {addr: "127.0.0.1:%d"}
                    migrate:
                      mode: snapshot
                      scanCount: 50
                      throttle: {maxOpsPerMaster: 1500}
                    engine: {checkpointEvery: 1}
                    """.formatted(source.address(), target.address(), port));
            Map<String, String> env = Map.of("DF2REDIS_CONFIG", file.toString(), "DF2REDIS_CONTROL_TOKEN", TOKEN);
            String base = "http://127.0.0.1:" + port;

            long started = System.nanoTime();
            Df2redisProcess first = Df2redisProcess.start(home, env, "serve");
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> status(base + "/q/health/ready") == 200);
            long readyMillis = (System.nanoTime() - started) / 1_000_000;
            long rssKb = rssKb(first.process().pid());
            System.out.printf("FIGURE serve start-up to ready: %d ms; RSS at ready: %d MB%n", readyMillis, rssKb / 1024);

            assertEquals(401, send(base + "/api/v1/migration", "POST", null));
            assertEquals(202, send(base + "/api/v1/migration", "POST", TOKEN));
            Path statusFile = home.resolve("state/status.json");
            await().atMost(Duration.ofSeconds(30)).until(() -> StatusFiles.importCheckpointCopied(statusFile) > 500);

            first.process().toHandle().destroy();
            int exit = first.await(20);
            assertTrue(exit == 0 || exit == 143, "graceful exit on SIGTERM, was " + exit);
            JsonNode stopped = StatusJson.MAPPER.readTree(statusFile.toFile());
            assertEquals("interrupted", stopped.path("status").asText(), stopped.toPrettyString());
            assertEquals("pending", StatusFiles.stage(stopped, "import").path("status").asText());

            try (Df2redisProcess second = Df2redisProcess.start(home, env, "serve")) {
                await().atMost(Duration.ofSeconds(90)).until(() -> "succeeded".equals(
                        StatusJson.MAPPER.readTree(statusFile.toFile()).path("status").asText()));
                JsonNode done = StatusJson.MAPPER.readTree(statusFile.toFile());
                assertEquals(1, StatusFiles.stage(done, "import").path("resumes").asInt());
                assertEquals(6000 + 2400 + 120 + 600, StatusFiles.stage(done, "baseline").path("findings").path("inventory").path("keys").asLong());
                second.process().toHandle().destroy();
                second.await(20);
            }
        }
    }

    private int status(String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private int send(String url, String method, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static long rssKb(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
