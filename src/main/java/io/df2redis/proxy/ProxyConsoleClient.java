package io.df2redis.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import io.df2redis.contract.console.ConsoleError;
import io.df2redis.contract.console.FenceState;
import io.df2redis.contract.console.MultiWriteModeState;
import io.df2redis.contract.console.ProxyStatus;
import io.df2redis.contract.console.ReadsState;
import io.df2redis.contract.console.RouteState;
import io.df2redis.contract.console.ScriptBodies;
import io.df2redis.contract.console.ScriptRecorded;
import io.df2redis.state.StatusJson;
import io.smallrye.mutiny.Uni;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The proxy's loopback console, called without blocking (JDK HttpClient, async); answers are the contract's console records. */
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

    public Uni<ProxyStatus> status() {
        return call(HttpRequest.newBuilder(base.resolve("/status")).GET(), "GET /status", ProxyStatus.class);
    }

    /** Camellia's figures of its last monitor interval (qps, per backend, failures), in Camellia's own format. */
    public Uni<JsonNode> monitor() {
        return call(HttpRequest.newBuilder(base.resolve("/monitor")).GET(), "GET /monitor", JsonNode.class);
    }

    /** Applies a route; a route the proxy refuses fails with the proxy's reason and leaves the old route in place. */
    public Uni<RouteState> applyRoute(String routeJson) {
        return call(HttpRequest.newBuilder(base.resolve("/route")).POST(HttpRequest.BodyPublishers.ofString(routeJson)), "POST /route",
                RouteState.class);
    }

    /** Changes Camellia's multi-write mode in place, without a restart. */
    public Uni<MultiWriteModeState> multiWriteMode(String mode) {
        return call(HttpRequest.newBuilder(base.resolve("/multi-write-mode?mode=" + mode)).POST(HttpRequest.BodyPublishers.noBody()),
                "POST /multi-write-mode", MultiWriteModeState.class);
    }

    /** Tells the proxy how far the drain applied the journal (it then lets reads of those keys go to the mirror). */
    public Uni<ReadsState> journalApplied(long seq) {
        return call(HttpRequest.newBuilder(base.resolve("/journal/applied?seq=" + seq)).POST(HttpRequest.BodyPublishers.noBody()),
                "POST /journal/applied", ReadsState.class);
    }

    /** The script bodies recorded by the proxy and its script figures. */
    public Uni<ScriptBodies> scripts() {
        return call(HttpRequest.newBuilder(base.resolve("/scripts")).GET(), "GET /scripts", ScriptBodies.class);
    }

    /** Has the proxy record a script body found elsewhere (the source's own list), so that its EVALSHA runs on both sides. */
    public Uni<ScriptRecorded> recordScript(byte[] body) {
        return call(HttpRequest.newBuilder(base.resolve("/scripts")).POST(HttpRequest.BodyPublishers.ofByteArray(body)), "POST /scripts",
                ScriptRecorded.class);
    }

    public Uni<FenceState> fence(boolean on, String mode) {
        String query = "/fence?state=" + (on ? "on" : "off") + (mode == null ? "" : "&mode=" + mode);
        return call(HttpRequest.newBuilder(base.resolve(query)).POST(HttpRequest.BodyPublishers.noBody()), "POST /fence", FenceState.class);
    }

    /** The fence now: on, mode, writes in flight, journal head. */
    public Uni<FenceState> fenceState() {
        return call(HttpRequest.newBuilder(base.resolve("/fence")).GET(), "GET /fence", FenceState.class);
    }

    /**
     * Completes with the journal head once no write is in flight (writes sent before a fence or a
     * route change have their replies); polls the console every 2 ms. The caller bounds the wait.
     */
    public Uni<Long> noWriteInFlight() {
        return fenceState()
                .chain(state -> state.inflight() == 0 ? Uni.createFrom().item(state.journalHead())
                        : Uni.createFrom().voidItem().onItem().delayIt().by(Duration.ofMillis(2)).chain(this::noWriteInFlight));
    }

    private <T> Uni<T> call(HttpRequest.Builder request, String what, Class<T> answer) {
        return Uni.createFrom().completionStage(() -> http.sendAsync(request.timeout(timeout).header("Authorization", authorization).build(), HttpResponse.BodyHandlers.ofString()))
                .ifNoItem().after(timeout.plusSeconds(1)).fail()
                .onFailure(IOException.class).retry().withBackOff(Duration.ofMillis(100), Duration.ofSeconds(1)).atMost(3)
                .map(response -> parse(response, what, answer));
    }

    private static <T> T parse(HttpResponse<String> response, String what, Class<T> answer) {
        if (response.statusCode() != 200) {
            throw new IllegalStateException("proxy console " + what + " refused (" + response.statusCode() + "): " + reason(response));
        }
        try {
            return StatusJson.MAPPER.readValue(response.body(), answer);
        } catch (IOException e) {
            throw new IllegalStateException("proxy console " + what + " answered 200 with no " + answer.getSimpleName() + ": "
                    + e.getMessage());
        }
    }

    private static String reason(HttpResponse<String> response) {
        try {
            ConsoleError error = StatusJson.MAPPER.readValue(response.body(), ConsoleError.class);
            return error.error() == null ? response.body() : error.error();
        } catch (IOException e) {
            return "no JSON: " + response.body();
        }
    }
}
