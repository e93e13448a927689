package io.df2redis.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard in headless Chromium during a real live migration ({@code migrate --show PORT},
 * the proxy running, both sides real {@code redis-server} processes).
 *
 * <p>Steps: start the migration with a throttled baseline; open {@code /} in Chromium, enter the
 * token in its prompt; the stage timeline and a progress bar change while the migration runs;
 * open ten more dashboards in the same browser, each with the token: all of them receive live
 * events while the service has a single event stream subscriber (the tabs share it); save a
 * screenshot to {@code target/dashboard.png}; "Advance cutover" shows the server's problem
 * {@code detail}; "Pause" turns the pipeline to pausing/paused on the page, in another tab and in the
 * REST status; "Resume" turns it back to running and the next stage starts; no request URL
 * and no page carries the token.
 */
@ExtendWith(ServiceLogOnFailure.class)
class DashboardIT {

    private static final String TOKEN = "dashboard-it-token-2c81f0";
    private static final int EXTRA_PAGES = 10;

    @TempDir
    Path home;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void followsALiveMigrationDrivesPauseAndResumeAndFeedsTenOpenDashboards() throws Exception {
        Chromium.binary();
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty())) {
            DemoDataset.load(source, 300, 11);
            int port = LocalRedis.freePort();
            Path file = home.resolve("migrate.yaml");
            Files.writeString(file, """
                    source: {type: redis, addr: "%s"}
                    target: {type: redis-standalone, seed: "%s"}
                    stateDir: state
                    proxy: {endpoint: "127.0.0.1:%d", consolePort: %d, stopWithService: true}
                    migrate:
                      mode: live
                      scanCount: 50
                      throttle: {maxOpsPerMaster: 150}
                    control: {token: %s}
                    """.formatted(source.address(), target.address(), LocalRedis.freePort(), LocalRedis.freePort(), TOKEN));
            String base = "http://127.0.0.1:" + port;

            try (Df2redisProcess service = Df2redisProcess.start(home, Map.of(), "migrate", "--config", file.toString(),
                    "--show", String.valueOf(port));
                 Chromium chromium = Chromium.start()) {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                        .until(() -> get(base + "/q/health/live", null).statusCode() == 200);

                Chromium.Page main = chromium.open(base + "/");
                signIn(main);
                awaitStagesAndProgressChange(main);

                List<Chromium.Page> others = new ArrayList<>();
                for (int i = 0; i < EXTRA_PAGES; i++) {
                    Chromium.Page page = chromium.open(base + "/");
                    signIn(page);
                    others.add(page);
                }
                List<Long> seen = new ArrayList<>();
                for (Chromium.Page page : others) {
                    seen.add(lastSeq(page));
                }
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    for (int i = 0; i < others.size(); i++) {
                        assertTrue(lastSeq(others.get(i)) > seen.get(i), "dashboard " + (i + 1) + " received no live event");
                    }
                });
                await().atMost(Duration.ofSeconds(20)).until(() -> subscribers(base) == 1.0);

                main.screenshot(Path.of("target", "dashboard.png"), 1400, 1800);

                String advanceDetail = StatusJson.MAPPER.readTree(
                        post(base + "/api/v1/migration/cutover/advance", TOKEN).body()).path("detail").asText();
                assertFalse(advanceDetail.isBlank(), "advance is refused while no cutover batch waits");
                main.eval("document.getElementById('btn-advance').click()");
                main.eval("document.getElementById('btn-advance').click()");
                await().atMost(Duration.ofSeconds(20)).until(() -> String.valueOf(main.text(
                        "document.getElementById('notice').textContent")).contains(advanceDetail));

                main.eval("document.getElementById('btn-pause').click()");
                await().atMost(Duration.ofSeconds(20)).until(() -> Set.of("pausing", "paused").contains(pipelineStatus(main)));
                assertTrue(Set.of("pausing", "paused").contains(restStatus(base).path("status").asText()));
                await().atMost(Duration.ofSeconds(20)).until(() -> Set.of("pausing", "paused").contains(pipelineStatus(others.get(4))));
                await().atMost(Duration.ofSeconds(180)).until(() -> "paused".equals(restStatus(base).path("status").asText()));
                await().atMost(Duration.ofSeconds(20)).until(() -> "paused".equals(pipelineStatus(main)));
                Set<String> pendingWhenPaused = stagesWithStatus(restStatus(base), "pending");
                assertFalse(pendingWhenPaused.isEmpty(), "paused before a stage");

                main.eval("document.getElementById('btn-resume').click()");
                await().atMost(Duration.ofSeconds(20)).until(() -> "running".equals(pipelineStatus(main)));
                await().atMost(Duration.ofSeconds(120)).until(() -> !pendingWhenPaused.equals(
                        stagesWithStatus(restStatus(base), "pending")));

                for (String url : chromium.requestedUrls()) {
                    assertFalse(url.contains(TOKEN), "a request URL carries the token: " + url);
                }
                assertEquals(Boolean.FALSE, main.eval("document.documentElement.outerHTML.includes('" + TOKEN + "')").asBoolean());
                assertTrue(chromium.scriptErrors().isEmpty(), "script errors: " + chromium.scriptErrors());
            }
        }
    }

    private static void signIn(Chromium.Page page) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> Boolean.TRUE.equals(
                page.eval("document.readyState === 'complete' && !!document.getElementById('login') "
                        + "&& !document.getElementById('login').hidden").asBoolean()));
        try {
            page.eval("(() => { document.getElementById('token').value = '" + TOKEN + "'; "
                    + "document.getElementById('login').requestSubmit(); return true; })()");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> Boolean.TRUE.equals(page.eval(
                "!document.getElementById('dashboard').hidden && document.querySelectorAll('#stages li').length > 0").asBoolean()));
    }

    /** The timeline gains stage states and some stage's progress moves while the page is open. */
    private static void awaitStagesAndProgressChange(Chromium.Page page) throws Exception {
        Set<String> states = new HashSet<>();
        Set<String> done = new HashSet<>();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).until(() -> {
            JsonNode rows = StatusJson.MAPPER.readTree(page.text("JSON.stringify([...document.querySelectorAll('#stages li')]"
                    + ".map(li => ({stage: li.dataset.stage, status: li.dataset.status, done: li.dataset.done || '',"
                    + " text: li.querySelector('.progress-done').textContent})))"));
            for (JsonNode row : rows) {
                states.add(row.path("stage").asText() + "=" + row.path("status").asText());
                if (!row.path("done").asText().isEmpty()) {
                    done.add(row.path("stage").asText() + "=" + row.path("done").asText());
                }
            }
            return states.stream().anyMatch(s -> s.endsWith("=running")) && states.stream().anyMatch(s -> s.endsWith("=succeeded"))
                    && states.size() >= 3 && done.size() >= 3;
        });
        assertTrue(states.contains("precheck=succeeded"), "the timeline shows precheck done: " + states);
        assertTrue(Integer.parseInt(page.text("document.querySelectorAll('#event-log li').length")) > 0, "the event log fills");
    }

    private static Set<String> stagesWithStatus(JsonNode status, String wanted) {
        Set<String> names = new HashSet<>();
        for (JsonNode stage : status.path("stages")) {
            if (wanted.equals(stage.path("status").asText())) {
                names.add(stage.path("name").asText());
            }
        }
        return names;
    }

    private static long lastSeq(Chromium.Page page) throws Exception {
        return page.eval("Math.max(-1, ...[...document.querySelectorAll('#event-log li')].map(li => Number(li.dataset.seq)))")
                .asLong();
    }

    private static String pipelineStatus(Chromium.Page page) throws Exception {
        return page.text("document.getElementById('pipeline-status').textContent");
    }

    private JsonNode restStatus(String base) throws Exception {
        return StatusJson.MAPPER.readTree(get(base + "/api/v1/migration", TOKEN).body());
    }

    private double subscribers(String base) throws Exception {
        Matcher m = Pattern.compile("(?m)^df2redis_events_subscribers ([0-9.]+)").matcher(get(base + "/q/metrics", null).body());
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    private HttpResponse<String> get(String url, String token) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET();
            if (token != null) {
                request.header("Authorization", "Bearer " + token);
            }
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(url + ": " + e.getMessage(), e);
        }
    }

    private HttpResponse<String> post(String url, String token) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }
}
