package io.df2redis.dashboard;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.df2redis.testing.TwoRedisResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.Socket;
import java.net.URI;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The dashboard's files: served without the token with their types, nothing outside their folder, the API still guarded. */
@QuarkusTest
@QuarkusTestResource(TwoRedisResource.class)
class DashboardResourceTest {

    @TestHTTPResource("/")
    URI root;

    @Test
    void servesThePageAndItsFilesWithoutTheTokenWithTheirContentTypes() {
        given().get("/").then().statusCode(200)
                .contentType("text/html")
                .header("Content-Security-Policy", containsString("script-src 'self'"))
                .header("X-Content-Type-Options", "nosniff")
                .body(containsString("<script src=\"/dashboard/dashboard.js\""));
        given().get("/dashboard/index.html").then().statusCode(200).contentType("text/html");
        given().get("/dashboard/dashboard.js").then().statusCode(200).contentType("text/javascript")
                .body(containsString("/api/v1/events"));
        given().get("/dashboard/charts.js").then().statusCode(200).contentType("text/javascript");
        given().get("/dashboard/dashboard.css").then().statusCode(200).contentType("text/css");
        given().get("/dashboard/missing.js").then().statusCode(404);
        for (String file : List.of("/", "/dashboard/dashboard.js", "/dashboard/charts.js", "/dashboard/dashboard.css")) {
            given().get(file).then().body(not(containsString(TwoRedisResource.TOKEN)))
                    .body(not(containsString(TwoRedisResource.SOURCE_PASSWORD)))
                    .body(not(containsString(TwoRedisResource.TARGET_PASSWORD)));
        }
    }

    @Test
    void aMissingDashboardFileIsANotFoundProblem() {
        given().get("/dashboard/missing.js").then().statusCode(404).contentType("application/problem+json")
                .body("status", org.hamcrest.Matchers.equalTo(404))
                .body("detail", org.hamcrest.Matchers.equalTo("no such dashboard file: the dashboard is at /"));
    }

    @Test
    void refusesEveryPathOutsideTheDashboardFolder() throws Exception {
        List<String> escapes = List.of(
                "/dashboard/../application.properties",
                "/dashboard/..%2Fapplication.properties",
                "/dashboard/%2e%2e%2fapplication.properties",
                "/dashboard/%2E%2E/application.properties",
                "/dashboard/..%2F..%2Fdf2redis%2Flua%2Fmeta_cas.lua",
                "/dashboard/..%5C..%5Capplication.properties",
                "/dashboard/x/../../application.properties",
                "/dashboard/.%2e/.%2e/df2redis/lua/meta_cas.lua",
                "/dashboard/index.html%00.js",
                "/../application.properties",
                "/df2redis/assets/dashboard/index.html");
        for (String path : escapes) {
            for (boolean withToken : new boolean[] {false, true}) {
                Answer answer = rawGet(path, withToken);
                assertNotEquals(200, answer.status(), path + " was served: " + answer.body());
                assertFalse(answer.body().contains("quarkus.") || answer.body().contains("redis.call"),
                        path + " leaked a classpath file: " + answer.body());
            }
        }
    }

    @Test
    void theApiNeedsTheTokenWhateverThePathLooksLike() throws Exception {
        List<String> spellings = List.of(
                "/api/v1/migration",
                "/dashboard/../api/v1/migration",
                "/dashboard/..%2F..%2Fapi%2Fv1%2Fmigration",
                "/dashboard/index.html/../../api/v1/migration",
                "//api/v1/migration",
                "/./api/v1/migration",
                "/%61pi/v1/migration",
                "/API/v1/migration");
        for (String path : spellings) {
            Answer answer = rawGet(path, false);
            assertNotEquals(200, answer.status(), path + " answered without the token: " + answer.body());
            assertFalse(answer.body().contains("\"schema\""), path + " showed the status without the token: " + answer.body());
        }
        given().auth().oauth2(TwoRedisResource.TOKEN).get("/api/v1/migration").then().statusCode(200);
    }

    private record Answer(int status, String body) {
    }

    /** A request with the path exactly as written: HTTP clients would normalise or re-encode it. */
    private Answer rawGet(String path, boolean withToken) throws Exception {
        try (Socket socket = new Socket(root.getHost(), root.getPort())) {
            socket.setSoTimeout(10_000);
            String request = "GET " + path + " HTTP/1.1\r\nHost: " + root.getHost() + ":" + root.getPort() + "\r\n"
                    + (withToken ? "Authorization: Bearer " + TwoRedisResource.TOKEN + "\r\n" : "")
                    + "Connection: close\r\n\r\n";
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            String statusLine = response.lines().findFirst().orElse("");
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            int bodyStart = response.indexOf("\r\n\r\n");
            return new Answer(status, bodyStart < 0 ? "" : response.substring(bodyStart + 4));
        }
    }
}
