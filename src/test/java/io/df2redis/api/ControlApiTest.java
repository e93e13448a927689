package io.df2redis.api;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.df2redis.state.PipelineStatus;
import io.df2redis.state.StatusStore;
import io.df2redis.testing.TwoRedisResource;
import jakarta.inject.Inject;
import io.quarkus.logging.Log;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The control API against a real source and target: authentication, errors as problem+json,
 * dry run, and an operator driving a migration through abort, restart, pause and resume.
 */
@QuarkusTest
@QuarkusTestResource(TwoRedisResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ControlApiTest {

    @Inject
    StatusStore store;

    private static RequestSpecification api() {
        return given().auth().oauth2(TwoRedisResource.TOKEN);
    }

    @Test
    @Order(1)
    void theApiNeedsTheBearerToken() {
        given().get("/api/v1/migration").then().statusCode(401)
                .contentType("application/problem+json")
                .header("WWW-Authenticate", containsString("Bearer"))
                .body("detail", containsString("Authorization: Bearer"));
        given().auth().oauth2("wrong-token").get("/api/v1/migration").then().statusCode(401)
                .body("detail", containsString("does not match"));
        api().get("/api/v1/migration").then().statusCode(200).body("schema", equalTo(1));
        given().header("Authorization", "bearer " + TwoRedisResource.TOKEN).get("/api/v1/migration").then().statusCode(200);
        given().header("Authorization", "BEARER " + TwoRedisResource.TOKEN).get("/api/v1/migration").then().statusCode(200);
        given().header("Authorization", "Basic " + TwoRedisResource.TOKEN).get("/api/v1/migration").then().statusCode(401);
    }

    @Test
    @Order(2)
    void healthAndMetricsStayOpen() {
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/health/started").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'df2redis' }.data.source", equalTo("up"))
                .body("checks.find { it.name == 'df2redis' }.data.target", equalTo("up"))
                .body("checks.find { it.name == 'df2redis' }.data.stateDir", equalTo("writable"));
        given().get("/q/metrics").then().statusCode(200).body(containsString("df2redis_events_subscribers"));
    }

    /** Before any run there is nothing to roll back: 409 with why and what to do, and nothing starts. */
    @Test
    @Order(3)
    void aRollbackWithNothingToRollBackIsRefusedWithWhy() {
        api().post("/api/v1/migration/rollback").then().statusCode(409).contentType("application/problem+json")
                .body("detail", containsString("nothing to roll back: no migration has run with this state directory"))
                .body("detail", containsString("check stateDir in the migration file"));
        api().get("/api/v1/migration").then().statusCode(200).body("status", equalTo("idle"));
    }

    @Test
    @Order(3)
    void unknownRoutesAndBadBodiesAreProblemsThatSayWhatToChange() {
        api().get("/api/v1/nope").then().statusCode(404).contentType("application/problem+json")
                .body("status", equalTo(404)).body("detail", containsString("/api/v1/migration"));
        api().contentType("application/json").body("{\"dryrun\": true}").post("/api/v1/migration")
                .then().statusCode(400).contentType("application/problem+json")
                .body("detail", containsString("unknown field 'dryrun'"));
        api().contentType("application/json").body("{\"dryRun\": ").post("/api/v1/migration")
                .then().statusCode(400).body("detail", containsString("not valid JSON"));
        api().contentType("application/json").body("{\"dryRun\": \"perhaps\"}").post("/api/v1/migration")
                .then().statusCode(400).body("detail", containsString("dryRun"));
        api().contentType("application/json").body("{\"dryRun\": true, \"dryRun\": false}").post("/api/v1/migration")
                .then().statusCode(400).contentType("application/problem+json").body("detail", containsString("Duplicate field 'dryRun'"));
        api().contentType("application/json").body("{\"dryRun\": true} {\"dryRun\": false}").post("/api/v1/migration")
                .then().statusCode(400).contentType("application/problem+json").body("detail", containsString("Trailing token"));
        api().contentType("text/plain").body("{\"dryRun\": false}").post("/api/v1/migration")
                .then().statusCode(415).contentType("application/problem+json").body("detail", containsString("application/json"));
        api().contentType("application/json").body("[1,2]").post("/api/v1/migration")
                .then().statusCode(400).contentType("application/problem+json").body("detail", containsString("not the JSON this endpoint takes"));
        api().contentType("application/json").body("\"x\"").post("/api/v1/migration")
                .then().statusCode(400).contentType("application/problem+json");
        api().get("/api/v1/migration").then().statusCode(200).body("status", equalTo("idle"));
        api().post("/api/v1/migration/pause").then().statusCode(409)
                .body("detail", containsString("nothing to pause"));
        api().delete("/api/v1/migration").then().statusCode(405);
    }

    @Test
    @Order(3)
    void aBodyTooLargeIsA413Problem() {
        String big = "{\"dryRun\": true, \"pad\": \"" + "x".repeat(200_000) + "\"}";
        api().contentType("application/json").body(big).post("/api/v1/migration").then().statusCode(413)
                .contentType("application/problem+json").body("status", equalTo(413))
                .body("detail", equalTo("the request body is larger than the 64 KiB the API takes: send a small JSON body such as "
                        + "{\"dryRun\": false}, or none"));
    }

    @Test
    @Order(3)
    void aMethodNotAllowedNamesTheAllowedOnesInTheDetailAndTheAllowHeader() {
        api().delete("/api/v1/migration").then().statusCode(405).contentType("application/problem+json")
                .header("Allow", "GET, POST").body("detail", equalTo("/api/v1/migration does not take DELETE: use GET, POST"));
        api().get("/api/v1/migration/pause").then().statusCode(405).contentType("application/problem+json")
                .header("Allow", "POST").body("detail", equalTo("/api/v1/migration/pause does not take GET: use POST"));
    }

    @Test
    @Order(4)
    void aDryRunChecksBothSidesAndChangesNothing() throws Exception {
        boolean hadStatus = Files.exists(TwoRedisResource.statusFile());
        Object targetKeys = TwoRedisResource.target().command("DBSIZE");

        JsonPath report = api().contentType("application/json").body("{\"dryRun\": true}")
                .post("/api/v1/migration").then().statusCode(200).extract().jsonPath();

        assertTrue(report.getBoolean("ok"), report.prettify());
        assertEquals("redis", report.getString("findings.source.kind"));
        assertEquals(TwoRedisResource.DATASET_SCALE * 15 + TwoRedisResource.DATASET_SCALE / 5,
                report.getInt("findings.source.keys"));
        assertEquals(hadStatus, Files.exists(TwoRedisResource.statusFile()));
        assertEquals(targetKeys, TwoRedisResource.target().command("DBSIZE"));
    }

    /**
     * Steps: start; abort while the import copies; start again (the import continues from its
     * checkpoint); a second start is refused; pause (takes effect before the next stage); resume;
     * the plan ends; starting a completed plan runs nothing again.
     */
    @Test
    @Order(5)
    void anOperatorAbortsRestartsPausesAndResumesAMigration() throws Exception {
        api().contentType("application/json").body("{}").post("/api/v1/migration")
                .then().statusCode(202).body("status", equalTo("running"));
        await().atMost(Duration.ofSeconds(20)).until(() -> importCheckpointCopied() > 0);

        api().post("/api/v1/migration/abort").then().statusCode(202);
        JsonPath aborted = status();
        assertEquals("aborted", aborted.getString("status"));
        assertEquals("failed", stage(aborted, "import", "status"));
        assertEquals("succeeded", stage(aborted, "baseline", "status"));
        assertEquals("succeeded", stage(aborted, "precheck", "status"));

        api().post("/api/v1/migration").then().statusCode(202);
        api().post("/api/v1/migration").then().statusCode(409).body("detail", containsString("already running"));
        await().atMost(Duration.ofSeconds(10)).until(() -> "running".equals(stage(status(), "import", "status")));
        api().post("/api/v1/migration/pause").then().statusCode(202).body("status", equalTo("pausing"));
        await().atMost(Duration.ofSeconds(30)).until(() -> "paused".equals(status().getString("status")));
        JsonPath paused = status();
        assertEquals("succeeded", stage(paused, "import", "status"));
        assertEquals("pending", stage(paused, "verify", "status"));

        api().post("/api/v1/migration/resume").then().statusCode(202);
        await().atMost(Duration.ofSeconds(60)).until(() -> "succeeded".equals(status().getString("status")));

        JsonPath done = status();
        assertEquals("1", stage(done, "precheck", "attempts"), "precheck ran once");
        assertEquals("1", stage(done, "import", "resumes"), "the import continued from its checkpoint");
        assertEquals("1", stage(done, "baseline", "attempts"), "the baseline ran once");
        int expected = TwoRedisResource.DATASET_SCALE * 15 + TwoRedisResource.DATASET_SCALE / 5;
        assertEquals(expected, done.getInt("stages.find { it.name == 'baseline' }.findings.inventory.keys"),
                "the inventory counts every key of the source once, df2redis's own MIGRATE_BASE_TS left out");
        assertEquals("succeeded", stage(done, "import", "status"));
        assertEquals(TwoRedisResource.source().command("DBSIZE"), TwoRedisResource.target().command("DBSIZE"),
                "the import copied db0 (MIGRATE_BASE_TS is on both sides)");

        api().post("/api/v1/migration").then().statusCode(409).contentType("application/problem+json")
                .body("detail", containsString("already succeeded"))
                .body("detail", containsString("to migrate again, point stateDir at a new directory (or move this one away) and start"));
        assertEquals("succeeded", status().getString("status"));
        assertEquals("1", stage(status(), "precheck", "attempts"), "a completed stage is never run again");
    }

    @Test
    @Order(6)
    void readinessSaysWhichSideIsDown() throws Exception {
        Thread sleeper = new Thread(() -> {
            try {
                TwoRedisResource.target().command("DEBUG", "SLEEP", "3");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        sleeper.start();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> given().get("/q/health/ready").then().statusCode(503)
                .body("checks.find { it.name == 'df2redis' }.data.target", containsString("down"))
                .body("checks.find { it.name == 'df2redis' }.data.source", equalTo("up")));
        sleeper.join();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> given().get("/q/health/ready").then().statusCode(200));
    }

    @Test
    @Order(7)
    void secretsNeverReachStatusRestOrLogs() throws Exception {
        Log.infof("masking probe: %s / %s", TwoRedisResource.SOURCE_PASSWORD, TwoRedisResource.TOKEN);
        String body = api().get("/api/v1/migration").then().statusCode(200).extract().asString();
        String statusFile = Files.readString(TwoRedisResource.statusFile());
        await().atMost(Duration.ofSeconds(5)).until(() -> Files.readString(TwoRedisResource.serviceLog()).contains("masking probe"));
        String log = Files.readString(TwoRedisResource.serviceLog());
        for (String secret : new String[] {TwoRedisResource.SOURCE_PASSWORD, TwoRedisResource.TARGET_PASSWORD, TwoRedisResource.TOKEN}) {
            assertFalse(body.contains(secret), "REST status shows a secret");
            assertFalse(statusFile.contains(secret), "status file shows a secret");
            assertFalse(log.contains(secret), "the log shows a secret");
        }
        assertTrue(log.contains("masking probe: ****** / ******"), "the log filter masked the probe line");
    }

    /** Steps: the state directory says its migration was rolled back; a start is refused with what to do; the state is put back. */
    @Test
    @Order(8)
    void startingOverARolledBackStateDirectoryIsAConflictSayingWhatToDo() {
        String plan = store.read(s -> s.plan);
        PipelineStatus before = store.read(s -> s.status);
        store.update(s -> {
            s.plan = "rollback";
            s.status = PipelineStatus.SUCCEEDED;
        });
        try {
            api().post("/api/v1/migration").then().statusCode(409).contentType("application/problem+json")
                    .body("detail", containsString("was rolled back"))
                    .body("detail", containsString("to migrate again, point stateDir at a new directory (or move this one away) and start"));
            assertEquals("rollback", status().getString("plan"), "nothing was started");
        } finally {
            store.update(s -> {
                s.plan = plan;
                s.status = before;
            });
        }
    }

    private static JsonPath status() {
        return api().get("/api/v1/migration").then().statusCode(200).extract().jsonPath();
    }

    private static String stage(JsonPath status, String stage, String field) {
        return String.valueOf(status.getString("stages.find { it.name == '" + stage + "' }." + field));
    }

    private static long importCheckpointCopied() {
        String keys = stage(status(), "import", "checkpoint.copied");
        return keys == null || keys.equals("null") ? 0 : Long.parseLong(keys);
    }
}
