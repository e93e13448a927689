package io.df2redis.api;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.df2redis.state.EventHub;
import io.df2redis.testing.TwoRedisResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.client.ClientRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.sse.SseEventSource;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The SSE stream with a real SSE client: state first, live events after, many clients, disconnects. */
@QuarkusTest
@QuarkusTestResource(TwoRedisResource.class)
class EventStreamTest {

    @TestHTTPResource("/api/v1/events")
    URI events;

    @Inject
    EventHub hub;

    private Client client;
    private final List<SseEventSource> sources = new ArrayList<>();

    @BeforeEach
    void client() {
        client = ClientBuilder.newClient();
        client.register((ClientRequestFilter) request ->
                request.getHeaders().add(HttpHeaders.AUTHORIZATION, "Bearer " + TwoRedisResource.TOKEN));
    }

    @AfterEach
    void close() {
        sources.forEach(SseEventSource::close);
        client.close();
    }

    @Test
    void aSubscriberGetsTheStateFirstThenLiveEvents() {
        List<String> received = Collections.synchronizedList(new ArrayList<>());
        open(received);
        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() >= 1);
        String state = received.get(0);
        assertTrue(state.contains("\"type\":\"state\""), state);
        assertTrue(state.contains("\"status\":{"), "the state event carries the status: " + state);

        given().auth().oauth2(TwoRedisResource.TOKEN).post("/api/v1/migration").then().statusCode(202);

        await().atMost(Duration.ofSeconds(30)).until(() -> received.stream().anyMatch(e -> e.contains("\"type\":\"pipeline.")));
        for (String event : received) {
            for (String secret : new String[] {TwoRedisResource.SOURCE_PASSWORD, TwoRedisResource.TARGET_PASSWORD, TwoRedisResource.TOKEN}) {
                assertFalse(event.contains(secret), "an SSE event shows a secret: " + event);
            }
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> !given().auth().oauth2(TwoRedisResource.TOKEN)
                .get("/api/v1/migration").jsonPath().getString("status").matches("running|pausing|paused"));
    }

    @Test
    void fiftyClientsAtOnceAndADisconnectFreesItsSubscription() {
        int before = hub.subscribers();
        List<List<String>> inboxes = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            List<String> inbox = Collections.synchronizedList(new ArrayList<>());
            inboxes.add(inbox);
            open(inbox);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> inboxes.stream().allMatch(inbox -> !inbox.isEmpty()));
        await().atMost(Duration.ofSeconds(5)).until(() -> hub.subscribers() == before + 50);
        given().get("/q/metrics").then().statusCode(200)
                .body(org.hamcrest.Matchers.containsString("df2redis_events_subscribers " + (before + 50) + ".0"));

        sources.forEach(SseEventSource::close);
        sources.clear();
        client.close();
        client = ClientBuilder.newClient();

        await().atMost(Duration.ofSeconds(20)).until(() -> hub.subscribers() == before);
        assertEquals(before, hub.subscribers());
    }

    @Test
    void theStreamNeedsTheToken() {
        given().get("/api/v1/events").then().statusCode(401);
    }

    private void open(List<String> inbox) {
        SseEventSource source = SseEventSource.target(client.target(events)).build();
        source.register(event -> inbox.add(event.readData()));
        source.open();
        sources.add(source);
    }
}
