package io.df2redis.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.df2redis.state.StatusJson;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Errors below the REST layer, on a real Vert.x HTTP server with the handlers the service installs:
 * a route that fails is a 500 problem, a body over the limit a 413 problem, never an empty body.
 */
class HttpProblemsTest {

    private final Vertx vertx = Vertx.vertx();
    private final HttpClient http = HttpClient.newHttpClient();
    private String base;

    @BeforeEach
    void serve() throws Exception {
        Router router = Router.router(vertx);
        new HttpProblems(new MemorySize(BigInteger.valueOf(1024))).install(router);
        router.get("/boom").handler(ctx -> {
            throw new IllegalStateException("kaput");
        });
        router.post("/echo").handler(ctx -> ctx.response().end("ok"));
        HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        base = "http://127.0.0.1:" + server.actualPort();
    }

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void aFailedRouteIsA500ProblemThatSaysWhatFailed() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/boom")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(500, response.statusCode());
        assertEquals(Problem.MEDIA_TYPE, response.headers().firstValue("Content-Type").orElse(""));
        JsonNode problem = StatusJson.MAPPER.readTree(response.body());
        assertEquals("internal error: IllegalStateException: kaput; the service log has the details", problem.path("detail").asText());
    }

    @Test
    void aBodyOverTheLimitIsA413Problem() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/echo"))
                .POST(HttpRequest.BodyPublishers.ofString("x".repeat(2048))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(413, response.statusCode());
        assertEquals(Problem.MEDIA_TYPE, response.headers().firstValue("Content-Type").orElse(""));
        assertEquals(413, StatusJson.MAPPER.readTree(response.body()).path("status").asInt());
    }
}
