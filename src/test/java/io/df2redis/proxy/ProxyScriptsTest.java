package io.df2redis.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.df2redis.local.LocalRedis;
import io.df2redis.state.StatusJson;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * Lua scripts through the real proxy in dual-write (source primary, target mirrored), with Jedis in its
 * default configuration: a script keeps its meaning on both sides whatever either side's script cache
 * holds, every body is recorded privately, and script runs are counted for the service.
 */
class ProxyScriptsTest {

    private static final String INCR = "return redis.call('INCRBY', KEYS[1], ARGV[1])";
    private static final String TOKEN = "scripts-test";

    private static Path home;
    private static LocalRedis source;
    private static LocalRedis target;
    private static Process proxy;
    private static int port;
    private static int consolePort;

    @BeforeAll
    static void start() throws Exception {
        home = Files.createTempDirectory("df2redis-proxy-scripts-");
        source = LocalRedis.start(home.resolve("source"), Optional.empty());
        target = LocalRedis.start(home.resolve("target"), Optional.empty());
        Files.writeString(home.resolve("route.json"), "{\"type\":\"simple\",\"operation\":{\"type\":\"rw_separate\",\"read\":\"redis://@"
                + source.address() + "\",\"write\":{\"type\":\"multi\",\"resources\":[\"redis://@" + source.address() + "\",\"redis://@"
                + target.address() + "\"]}}}");
        port = LocalRedis.freePort();
        consolePort = LocalRedis.freePort();
        Files.writeString(home.resolve("proxy.properties"), String.join("\n", "listen.port=" + port, "console.port=" + consolePort,
                "console.token=" + TOKEN, "route.file=" + home.resolve("route.json"), "journal.dir=" + home.resolve("wal"),
                "multiWriteMode=ALL_RESOURCES_NO_CHECK", ""));
        proxy = io.df2redis.testing.ProxyJarProcess.start(ProxyRuntime.extract(home.resolve("runtime")), home.resolve("proxy.properties"), "128m");
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.destroy();
            proxy.waitFor(10, TimeUnit.SECONDS);
        }
        source.close();
        target.close();
        io.df2redis.testing.TempDirs.delete(home);
    }

    @Test
    void evalshaOfAScriptTheTargetLacksStillRunsOnBothSides() throws Exception {
        try (Jedis app = new Jedis("127.0.0.1", port)) {
            String sha = app.scriptLoad(INCR);
            target.command("SCRIPT", "FLUSH");
            assertEquals(0L, ((List<?>) target.command("SCRIPT", "EXISTS", sha)).get(0), "the target lost the script (e.g. it restarted)");

            for (int i = 0; i < 5; i++) {
                app.evalsha(sha, List.of("scripts:counter"), List.of("1"));
            }

            assertEquals("5", source.command("GET", "scripts:counter"));
            assertEquals("5", target.command("GET", "scripts:counter"), "no acknowledged INCR is missing on the mirror");
            assertTrue(journaledKeys().contains("scripts:counter"), "a script's declared key is journaled");
        }
    }

    @Test
    void evalshaOfAScriptTheProxyNeverSawRunsNowhereAndTheUsualFallbackRunsItOnBoth() throws Exception {
        String body = "return redis.call('SET', KEYS[1], 'by-' .. ARGV[1])";
        String sha = (String) source.command("SCRIPT", "LOAD", body);
        try (Jedis app = new Jedis("127.0.0.1", port)) {
            JedisNoScriptException refused = assertThrows(JedisNoScriptException.class,
                    () -> app.evalsha(sha, List.of("scripts:loaded-before"), List.of("evalsha")));
            assertTrue(refused.getMessage().startsWith("NOSCRIPT"), refused.getMessage());
            assertEquals(null, source.command("GET", "scripts:loaded-before"), "not run on the source alone");

            app.eval(body, List.of("scripts:loaded-before"), List.of("eval"));
            app.evalsha(sha, List.of("scripts:loaded-before"), List.of("evalsha"));
        }
        assertEquals("by-evalsha", source.command("GET", "scripts:loaded-before"));
        assertEquals("by-evalsha", target.command("GET", "scripts:loaded-before"));
    }

    @Test
    void everyBodyIsRecordedPrivatelyServedBehindTheTokenAndItsRunsCounted() throws Exception {
        String body = "redis.call('SET', 'scripts:undeclared', ARGV[1]) return 1";
        long runsBefore = console("/status", TOKEN).path("scripts").path("runs").asLong();
        try (Jedis app = new Jedis("127.0.0.1", port)) {
            app.eval(body, List.of(), List.of("x"));
            app.evalsha(sha1(body), List.of(), List.of("y"));
        }
        Path file = home.resolve("scripts/" + sha1(body) + ".lua");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(file));
        assertEquals(body, Files.readString(file));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));

        assertEquals(401, http("/scripts", "not-the-token").statusCode());
        List<String> bodies = new ArrayList<>();
        console("/scripts", TOKEN).path("bodies").forEach(b -> bodies.add(new String(Base64.getDecoder().decode(b.asText()), StandardCharsets.UTF_8)));
        assertTrue(bodies.contains(body), "served: " + bodies);
        JsonNode figures = console("/status", TOKEN).path("scripts");
        assertEquals(runsBefore + 2, figures.path("runs").asLong(), "the EVAL and the EVALSHA: " + figures);
        assertTrue(!console("/status", TOKEN).toString().contains("scripts:undeclared"), "status holds no body");
    }

    @Test
    void recordedBodiesSurviveAProxyRestartAndStillStandInForEvalsha() throws Exception {
        String body = "return redis.call('SET', KEYS[1], 'recorded-' .. ARGV[1])";
        try (Jedis app = new Jedis("127.0.0.1", port)) {
            app.eval(body, List.of("scripts:restart"), List.of("before"));
        }
        Path file = home.resolve("scripts/" + sha1(body) + ".lua");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(file));
        proxy.destroy();
        proxy.waitFor(10, TimeUnit.SECONDS);
        proxy = io.df2redis.testing.ProxyJarProcess.start(ProxyRuntime.extract(home.resolve("runtime")), home.resolve("proxy.properties"), "128m");
        source.command("SCRIPT", "FLUSH");
        target.command("SCRIPT", "FLUSH");

        try (Jedis app = new Jedis("127.0.0.1", port)) {
            app.evalsha(sha1(body), List.of("scripts:restart"), List.of("after"));
        }

        assertEquals("recorded-after", source.command("GET", "scripts:restart"));
        assertEquals("recorded-after", target.command("GET", "scripts:restart"));
    }

    @Test
    void functionsAreRefusedWithTheReason() throws Exception {
        try (Jedis app = new Jedis("127.0.0.1", port)) {
            Exception refused = assertThrows(Exception.class, () -> app.fcall("f", List.of(), List.of()));
            assertTrue(refused.getMessage().contains("Dragonfly has no FUNCTION command"), refused.getMessage());
        }
    }

    private static String sha1(String body) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-1").digest(body.getBytes(StandardCharsets.UTF_8)));
    }

    private static JsonNode console(String path, String token) throws Exception {
        HttpResponse<String> response = http(path, token);
        assertEquals(200, response.statusCode(), response.body());
        return StatusJson.MAPPER.readTree(response.body());
    }

    private static HttpResponse<String> http(String path, String token) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + consolePort + path))
                .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<String> journaledKeys() throws Exception {
        List<String> keys = new ArrayList<>();
        try (Stream<Path> files = Files.list(home.resolve("wal"))) {
            for (Path file : files.filter(f -> f.getFileName().toString().startsWith("journal-")).sorted().toList()) {
                for (String line : Files.readAllLines(file)) {
                    String[] record = line.split(" ");
                    if (line.startsWith("I ")) {
                        for (int i = 5; i < record.length; i++) {
                            keys.add(new String(Base64.getDecoder().decode(record[i]), StandardCharsets.UTF_8));
                        }
                    }
                }
            }
        }
        return keys;
    }
}
