package io.df2redis.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import io.df2redis.state.StatusJson;
import io.smallrye.mutiny.Uni;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The proxy's loopback console, called without blocking (JDK HttpClient, async). */
public final class ProxyConsoleClient {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final URI base;
    private final Duration timeout;
    private final String authorization;

    public ProxyConsoleClient(int port, Duration timeout, String token) {
        this.base = URI.create("http://127.0.0.1:" + port);
        this.timeout = timeout;
        this.authorization = "Bearer " + token;
    }

    public Uni<JsonNode> status() {
        return call(HttpRequest.newBuilder(base.resolve("/status")).GET(), "GET /status");
    }

    /** Camellia's figures of its last monitor interval (qps, per backend, failures). */
    public Uni<JsonNode> monitor() {
        return call(HttpRequest.newBuilder(base.resolve("/monitor")).GET(), "GET /monitor");
    }

    /** Applies a route; a route the proxy refuses fails with the proxy's reason and leaves the old route in place. */
    public Uni<JsonNode> applyRoute(String routeJson) {
        return call(HttpRequest.newBuilder(base.resolve("/route")).POST(HttpRequest.BodyPublishers.ofString(routeJson)), "POST /route");
    }

    /** Changes Camellia's multi-write mode in place, without a restart. */
    public Uni<JsonNode> multiWriteMode(String mode) {
        return call(HttpRequest.newBuilder(base.resolve("/multi-write-mode?mode=" + mode)).POST(HttpRequest.BodyPublishers.noBody()),
                "POST /multi-write-mode");
    }

    /** Tells the proxy how far the drain applied the journal (it then lets reads of those keys go to the mirror). */
    public Uni<JsonNode> journalApplied(long seq) {
        return call(HttpRequest.newBuilder(base.resolve("/journal/applied?seq=" + seq)).POST(HttpRequest.BodyPublishers.noBody()),
                "POST /journal/applied");
    }

    /** The script bodies recorded by the proxy ({@code bodies}: base64) and its script figures ({@code scripts}). */
    public Uni<JsonNode> scripts() {
        return call(HttpRequest.newBuilder(base.resolve("/scripts")).GET(), "GET /scripts");
    }

    /** Has the proxy record a script body found elsewhere (the source's own list), so that its EVALSHA runs on both sides. */
    public Uni<JsonNode> recordScript(byte[] body) {
        return call(HttpRequest.newBuilder(base.resolve("/scripts")).POST(HttpRequest.BodyPublishers.ofByteArray(body)), "POST /scripts");
    }

    public Uni<JsonNode> fence(boolean on, String mode) {
        String query = "/fence?state=" + (on ? "on" : "off") + (mode == null ? "" : "&mode=" + mode);
        return call(HttpRequest.newBuilder(base.resolve(query)).POST(HttpRequest.BodyPublishers.noBody()), "POST /fence");
    }

    /** The fence now: on, mode, writes in flight, journal head. */
    public Uni<JsonNode> fenceState() {
        return call(HttpRequest.newBuilder(base.resolve("/fence")).GET(), "GET /fence");
    }

    /**
     * Completes with the journal head once no write is in flight (writes sent before a fence or a
     * route change have their replies); polls the console every 2 ms. The caller bounds the wait.
     */
    public Uni<Long> noWriteInFlight() {
        return fenceState()
                .chain(state -> state.path("inflight").asLong() == 0 ? Uni.createFrom().item(state.path("journalHead").asLong())
                        : Uni.createFrom().voidItem().onItem().delayIt().by(Duration.ofMillis(2)).chain(this::noWriteInFlight));
    }

    private Uni<JsonNode> call(HttpRequest.Builder request, String what) {
        return Uni.createFrom().completionStage(() -> http.sendAsync(request.timeout(timeout).header("Authorization", authorization).build(), HttpResponse.BodyHandlers.ofString()))
                .ifNoItem().after(timeout.plusSeconds(1)).fail()
                .onFailure(IOException.class).retry().withBackOff(Duration.ofMillis(100), Duration.ofSeconds(1)).atMost(3)
                .map(response -> parse(response, what));
    }

    private static JsonNode parse(HttpResponse<String> response, String what) {
        JsonNode body;
        try {
            body = StatusJson.MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException("proxy console " + what + " answered " + response.statusCode() + " with no JSON");
        }
        if (response.statusCode() != 200) {
            throw new IllegalStateException("proxy console " + what + " refused (" + response.statusCode() + "): "
                    + body.path("error").asText(body.toString()));
        }
        return body;
    }
}
