package io.df2redis.it;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Headless Chromium (Debian's {@code /usr/bin/chromium}) driven over the DevTools protocol with the
 * JDK's WebSocket client: a fresh profile per instance, the port read from {@code DevToolsActivePort},
 * one flat session per page.
 */
final class Chromium implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<JsonNode> events = new CopyOnWriteArrayList<>();

    private Chromium(Process process, Path profile, WebSocket socket, Listener listener) {
        this.process = process;
        this.profile = profile;
        this.socket = socket;
        listener.owner = this;
    }

    static String binary() {
        String binary = System.getProperty("chromium", "/usr/bin/chromium");
        if (!Files.isExecutable(Path.of(binary))) {
            throw new IllegalStateException("no Chromium at " + binary + ": install it (apt-get install -y chromium; "
                    + ".ci/run does) or pass -Dchromium=PATH");
        }
        return binary;
    }

    static Chromium start() throws Exception {
        Path profile = Files.createTempDirectory("df2redis-chromium-");
        Process process = new ProcessBuilder(binary(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
                "--user-data-dir=" + profile, "about:blank")
                .redirectErrorStream(true)
                .redirectOutput(profile.resolve("chromium.log").toFile())
                .start();
        Path portFile = profile.resolve("DevToolsActivePort");
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                    .until(() -> !process.isAlive() || Files.exists(portFile) && Files.readAllLines(portFile).size() >= 2);
        } catch (ConditionTimeoutException e) {
            process.destroyForcibly();
            throw new IllegalStateException("Chromium did not open its DevTools port in time");
        }
        if (!process.isAlive()) {
            throw new IllegalStateException("Chromium exited: " + Files.readString(profile.resolve("chromium.log")));
        }
        List<String> lines = Files.readAllLines(portFile);
        URI endpoint = URI.create("ws://127.0.0.1:" + lines.get(0).trim() + lines.get(1).trim());
        Listener listener = new Listener();
        WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .buildAsync(endpoint, listener)
                .get(30, TimeUnit.SECONDS);
        return new Chromium(process, profile, socket, listener);
    }

    /** A new tab on {@code url}, with its own session; page, runtime and network events enabled. */
    Page open(String url) throws Exception {
        String target = call(null, "Target.createTarget", Map.of("url", "about:blank")).path("targetId").asText();
        String session = call(null, "Target.attachToTarget", Map.of("targetId", target, "flatten", true)).path("sessionId").asText();
        Page page = new Page(session);
        call(session, "Page.enable", Map.of());
        call(session, "Runtime.enable", Map.of());
        call(session, "Network.enable", Map.of());
        call(session, "Page.navigate", Map.of("url", url));
        return page;
    }

    JsonNode call(String session, String method, Map<String, Object> params) throws Exception {
        long id = ids.incrementAndGet();
        ObjectNode message = JSON.createObjectNode();
        message.put("id", id);
        message.put("method", method);
        message.set("params", JSON.valueToTree(params));
        if (session != null) {
            message.put("sessionId", session);
        }
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        synchronized (socket) {
            socket.sendText(JSON.writeValueAsString(message), true).get(10, TimeUnit.SECONDS);
        }
        JsonNode reply = answer.get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        if (reply.has("error")) {
            throw new IllegalStateException(method + " failed: " + reply.get("error"));
        }
        return reply.path("result");
    }

    private void received(String text) {
        try {
            JsonNode message = JSON.readTree(text);
            if (message.has("id")) {
                CompletableFuture<JsonNode> answer = pending.remove(message.get("id").asLong());
                if (answer != null) {
                    answer.complete(message);
                }
            } else {
                events.add(message);
            }
        } catch (IOException e) {
            throw new IllegalStateException("not a DevTools message: " + text, e);
        }
    }

    /** The URLs of every request a page of this browser made. */
    List<String> requestedUrls() {
        List<String> urls = new ArrayList<>();
        for (JsonNode event : events) {
            if ("Network.requestWillBeSent".equals(event.path("method").asText())) {
                urls.add(event.path("params").path("request").path("url").asText());
            }
        }
        return urls;
    }

    /** Uncaught script errors of a page, to explain a failing assertion. */
    List<String> scriptErrors() {
        List<String> errors = new ArrayList<>();
        for (JsonNode event : events) {
            if ("Runtime.exceptionThrown".equals(event.path("method").asText())) {
                errors.add(event.path("params").path("exceptionDetails").toString());
            }
        }
        return errors;
    }

    @Override
    public void close() throws IOException {
        try {
            call(null, "Browser.close", Map.of());
        } catch (Exception e) {
            // closed below anyway
        }
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        socket.abort();
        try (Stream<Path> files = Files.walk(profile)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    /** One tab. */
    final class Page {
        private final String session;

        private Page(String session) {
            this.session = session;
        }

        /** Evaluates an expression in the page (awaiting a promise) and returns its JSON value. */
        JsonNode eval(String expression) throws Exception {
            JsonNode result = call(session, "Runtime.evaluate",
                    Map.of("expression", expression, "returnByValue", true, "awaitPromise", true));
            if (result.has("exceptionDetails")) {
                throw new IllegalStateException("script failed: " + result.get("exceptionDetails"));
            }
            return result.path("result").path("value");
        }

        String text(String expression) throws Exception {
            JsonNode value = eval(expression);
            return value.isNull() || value.isMissingNode() ? null : value.asText();
        }

        void screenshot(Path file, int width, int height) throws Exception {
            call(session, "Emulation.setDeviceMetricsOverride",
                    Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", false));
            JsonNode shot = call(session, "Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true));
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, Base64.getDecoder().decode(shot.path("data").asText()));
        }
    }

    /** Joins a message's fragments and hands whole messages to the browser object. */
    private static final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();
        private volatile Chromium owner;

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String message = partial.toString();
                partial.setLength(0);
                if (owner != null) {
                    owner.received(message);
                }
            }
            webSocket.request(1);
            return null;
        }
    }
}
