package io.df2redis.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;

import io.df2redis.testing.TwoRedisResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Without a configured token the control API is closed (403 saying how to open it); health stays open. */
@QuarkusTest
@QuarkusTestResource(TwoRedisResource.class)
@TestProfile(NoTokenTest.WithoutToken.class)
class NoTokenTest {

    public static class WithoutToken implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("df2redis.control.token", "");
        }
    }

    @Test
    void theControlApiAnswers403AndSaysHowToSetAToken() {
        given().auth().oauth2("anything").post("/api/v1/migration").then().statusCode(403)
                .contentType("application/problem+json")
                .body("detail", containsString("DF2REDIS_CONTROL_TOKEN"));
        given().get("/api/v1/migration").then().statusCode(403);
        given().get("/q/health/live").then().statusCode(200);
    }
}
