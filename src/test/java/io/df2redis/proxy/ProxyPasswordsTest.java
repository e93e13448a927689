package io.df2redis.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.df2redis.config.MigrationConfig;
import io.df2redis.contract.secrets.RedisUrls;
import io.df2redis.config.MigrationConfigLoader;
import io.df2redis.config.Secrets;
import io.df2redis.local.LocalRedis;
import io.df2redis.contract.resp.RespClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Passwords with any characters, through the real proxy: a source whose default user has a password
 * with {@code @ / : # % ?} (no username, so the route must name the {@code default} user), a target
 * reached as an ACL user whose password also holds a quote, a backslash and a blank. Every route
 * df2redis renders is accepted by Camellia 1.1.1, writes land on both sides, and neither the proxy's
 * console nor the masking of its output shows either password.
 */
class ProxyPasswordsTest {

    static final String SOURCE_PASSWORD = "p@ss/w:rd#%?";
    static final String TARGET_PASSWORD = "q\"u\\o@t/e:#%? x";
    private static final String TOKEN = "passwords-console-token";

    private static Path home;
    private static LocalRedis source;
    private static LocalRedis target;
    private static ProxyJarUnderTest proxy;
    private static int consolePort;
    private static RespClient app;
    private static MigrationConfig config;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        home = Files.createTempDirectory("df2redis-proxy-passwords-");
        source = LocalRedis.start(home.resolve("source"), Optional.of(SOURCE_PASSWORD));
        target = LocalRedis.start(home.resolve("target"), Optional.of("target-default-pw"));
        target.command("ACL", "SETUSER", "mover", "on", ">" + TARGET_PASSWORD, "~*", "&*", "+@all");
        Path file = home.resolve("migrate.yaml");
        // Single-quoted YAML: backslash and double quote are taken as they are.
        Files.writeString(file, "source: {type: redis, addr: \"" + source.address() + "\", password: '" + SOURCE_PASSWORD + "'}\n"
                + "target: {seed: \"" + target.address() + "\", username: mover, password: '" + TARGET_PASSWORD + "'}\n"
                + "stateDir: state\nmigrate: {mode: live}\n");
        config = MigrationConfigLoader.load(file, Map.of());
        assertEquals(TARGET_PASSWORD, config.target().password().orElseThrow(), "the YAML carries the password unchanged");

        proxy = ProxyJarUnderTest.start(home, new ProxyRoutes(config).render(RouteKind.DUAL_WRITE, 0), TOKEN, "128m",
                "auth.password=" + ProxyFiles.propertyValue(SOURCE_PASSWORD));
        consolePort = proxy.consolePort;
        int port = proxy.port;
        app = new RespClient("127.0.0.1", port, Optional.of(SOURCE_PASSWORD));
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        source.close();
        target.close();
        io.df2redis.testing.TempDirs.delete(home);
    }

    @Test
    void dualWriteReachesBothSidesWithPasswordsOfAnyCharacters() throws Exception {
        assertEquals("OK", app.command("SET", "pw:dual", "1"));
        assertEquals("1", source.command("GET", "pw:dual"));
        assertEquals("1", target.command("GET", "pw:dual"));
    }

    @Test
    void everyRouteKindIsAcceptedAndServes() throws Exception {
        MigrationConfig sticky = MigrationConfigLoader.load(writeSticky(), Map.of());
        List<String> routes = List.of(new ProxyRoutes(config).render(RouteKind.READ_SPLIT, 50),
                new ProxyRoutes(sticky).render(RouteKind.READ_SPLIT, 50), new ProxyRoutes(config).render(RouteKind.FLIPPED, 0),
                new ProxyRoutes(config).render(RouteKind.TARGET, 0), new ProxyRoutes(config).render(RouteKind.SOURCE, 0),
                new ProxyRoutes(config).render(RouteKind.DUAL_WRITE, 0));
        int n = 0;
        for (String route : routes) {
            HttpResponse<String> applied = console("/route", route);
            assertEquals(200, applied.statusCode(), "route " + n + " refused: " + RedisUrls.maskUrls(applied.body()));
            assertEquals("OK", app.command("SET", "pw:route" + n, "v" + n), "route " + n);
            assertEquals("v" + n, app.command("GET", "pw:route" + n), "route " + n);
            n++;
        }
    }

    @Test
    void theConsoleShowsTheRouteWithoutEitherPassword() throws Exception {
        for (RouteKind kind : List.of(RouteKind.DUAL_WRITE, RouteKind.TARGET)) {
            assertEquals(200, console("/route", new ProxyRoutes(config).render(kind, 0)).statusCode());
            HttpResponse<String> status = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + consolePort + "/status"))
                    .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, status.statusCode());
            assertTrue(status.body().contains("******@" + target.address()), status.body());
            assertNoPassword(status.body());
        }
    }

    @Test
    void maskingHidesPasswordsHoldingAtSignsSlashesAndQuotes() {
        for (RouteKind kind : RouteKind.values()) {
            String route = new ProxyRoutes(config).render(kind, 50);
            assertNoPassword(RedisUrls.maskUrls(route));
        }
        assertNoPassword(RedisUrls.maskUrls("connect to redis://default:" + SOURCE_PASSWORD + "@" + source.address() + " failed"));
        assertNoPassword(RedisUrls.maskUrl(new ProxyRoutes(config).render(RouteKind.TARGET, 0)));
        Secrets.register(config);
        String escaped = new ProxyRoutes(config).render(RouteKind.DUAL_WRITE, 0);
        assertNoPassword(Secrets.mask(escaped));
    }

    private static void assertNoPassword(String text) {
        for (String fragment : List.of("ss/w:rd", "o@t/e", "u\\\\o", "u\\o")) {
            assertFalse(text.contains(fragment), "a password shows in: " + text);
        }
    }

    private static HttpResponse<String> console(String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + consolePort + path))
                .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static Path writeSticky() throws Exception {
        Path file = home.resolve("sticky.yaml");
        Files.writeString(file, Files.readString(home.resolve("migrate.yaml")) + "proxy: {readSplit: sticky}\n");
        return file;
    }
}
