package io.df2redis.migration;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.df2redis.testing.TwoRedisResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code /q/metrics} after a real migration follows the Prometheus conventions.
 *
 * <p>Steps: start the migration over REST; wait until it succeeded; scrape {@code /q/metrics}; check
 * the events counter by type, the stage durations in seconds by stage, the import counters with
 * {@code _total}, the baseline's key count, the fence pause histogram, and that no name keeps
 * a millisecond unit or the old {@code df2redis_migration_} prefix.
 */
@QuarkusTest
@QuarkusTestResource(TwoRedisResource.class)
class PrometheusMetricsTest {

    @Test
    void metricsCarryBaseUnitsTotalsAndLabels() {
        given().auth().oauth2(TwoRedisResource.TOKEN).post("/api/v1/migration").then().statusCode(202);
        await().atMost(Duration.ofSeconds(120)).until(() -> "succeeded".equals(
                given().auth().oauth2(TwoRedisResource.TOKEN).get("/api/v1/migration").jsonPath().getString("status")));

        String scrape = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertHas(scrape, "# TYPE df2redis_events counter");
        assertHas(scrape, "df2redis_events_total{type=\"stage.succeeded\"} [1-9]");
        assertHas(scrape, "df2redis_events_total{type=\"pipeline.succeeded\"} 1.0");
        assertHas(scrape, "# TYPE df2redis_stage_duration_seconds gauge");
        assertHas(scrape, "df2redis_stage_duration_seconds{stage=\"baseline\"} \\d+\\.\\d+");
        assertHas(scrape, "df2redis_stage_duration_seconds{stage=\"import\"} \\d+\\.\\d+");
        assertHas(scrape, "# TYPE df2redis_import_keys_copied counter");
        assertHas(scrape, "df2redis_import_keys_copied_total [1-9]");
        assertHas(scrape, "df2redis_import_bytes_total [1-9]");
        assertHas(scrape, "df2redis_baseline_keys [1-9]");
        assertHas(scrape, "df2redis_source_used_memory_bytes [1-9]");
        assertHas(scrape, "df2redis_baseline_t0_timestamp_seconds [1-9]");
        assertHas(scrape, "# TYPE df2redis_fence_pause_seconds histogram");
        assertHas(scrape, "df2redis_fence_pause_seconds_bucket{le=\"1.0\"} 0.0");
        assertHas(scrape, "df2redis_events_subscribers ");
        assertFalse(scrape.contains("df2redis_migration_"), "the old prefix is gone");
        assertFalse(Pattern.compile("^df2redis_\\w*_ms[ {]", Pattern.MULTILINE).matcher(scrape).find(),
                "no metric keeps milliseconds in its name");
    }

    private static void assertHas(String scrape, String regex) {
        assertTrue(Pattern.compile("^" + regex.replace("{", "\\{").replace("}", "\\}"), Pattern.MULTILINE)
                .matcher(scrape).find(), "missing " + regex + " in\n" + scrape);
    }
}
