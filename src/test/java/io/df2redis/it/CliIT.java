package io.df2redis.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.df2redis.local.DemoDataset;
import io.df2redis.local.LocalRedis;
import io.df2redis.state.StatusJson;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI of the packaged jar: exit codes, output streams, bad input, secrets, against real servers. */
class CliIT {

    static final String SOURCE_PASSWORD = "cli-src-pw-4411";
    static final String TARGET_PASSWORD = "cli-tgt-pw-9923";
    static final String TOKEN = "cli-token-7781";

    @TempDir
    static Path home;
    static LocalRedis source;
    static LocalRedis target;

    @BeforeAll
    static void servers() throws Exception {
        source = LocalRedis.start(home.resolve("source"), Optional.of(SOURCE_PASSWORD));
        target = LocalRedis.start(home.resolve("target"), Optional.of(TARGET_PASSWORD));
        DemoDataset.load(source, 20, 3);
    }

    @AfterAll
    static void stop() {
        source.close();
        target.close();
    }

    @Test
    void helpAndUsageErrors() throws Exception {
        Df2redisProcess.Run help = Df2redisProcess.run(home, Map.of(), "help");
        assertEquals(0, help.exit());
        assertTrue(help.stdout().contains("usage: df2redis <command>"));

        Df2redisProcess.Run unknown = Df2redisProcess.run(home, Map.of(), "migrat");
        assertEquals(2, unknown.exit());
        assertTrue(unknown.stderr().contains("unknown command 'migrat'"), unknown.stderr());

        Df2redisProcess.Run noConfig = Df2redisProcess.run(home, Map.of(), "migrate");
        assertEquals(2, noConfig.exit());
        assertTrue(noConfig.stderr().contains("pass --config FILE or set DF2REDIS_CONFIG"), noConfig.stderr());
    }

    @Test
    void badInputExits2NamingEveryKey() throws Exception {
        Path file = write("bad.yaml", """
                source:
                  addr: "localhost"
                  pasword: "%s"
                target:
                  seed: ""
                migrate:
                  concurrency: 0
                  cutover:
                    batches:
                      - {percentage: 60, duration: 5m}
                      - {percentage: 30, duration: 1fortnight}
                      - {percentage: 101}
                """.formatted(SOURCE_PASSWORD));
        Df2redisProcess.Run run = Df2redisProcess.run(home, Map.of(), "migrate", "--config", file.toString());
        assertEquals(2, run.exit(), run.all());
        for (String expected : List.of("source.pasword: unknown key: did you mean 'source.password'?",
                "source.addr: must be host:port", "target.seed: required", "migrate.concurrency: must be at least 1",
                "migrate.cutover.batches[1].duration: \"1fortnight\" is not valid", "migrate.cutover.batches[2].percentage: must be from 0 to 100",
                "migrate.cutover.batches[1].percentage: percentages must increase")) {
            assertTrue(run.stderr().contains(expected), "missing '" + expected + "' in:\n" + run.stderr());
        }
        assertFalse(run.all().contains(SOURCE_PASSWORD), "a secret value was printed");

        Path malformed = write("malformed.yaml", "source:\n  addr: [unclosed\n");
        Df2redisProcess.Run yaml = Df2redisProcess.run(home, Map.of(), "migrate", "--config", malformed.toString());
        assertEquals(2, yaml.exit());
        assertTrue(yaml.stderr().contains("malformed YAML at line"), yaml.stderr());

        Df2redisProcess.Run missing = Df2redisProcess.run(home, Map.of(), "status", "--config", home.resolve("absent.yaml").toString());
        assertEquals(2, missing.exit());
        assertTrue(missing.stderr().contains("file not found"), missing.stderr());
    }

    @Test
    void aCorruptStatusFileIsReportedNotReset() throws Exception {
        Path state = home.resolve("corrupt-state");
        Files.createDirectories(state);
        Files.writeString(state.resolve("status.json"), "{ not json");
        Path file = config("corrupt.yaml", state, "allow");
        Df2redisProcess.Run run = Df2redisProcess.run(home, Map.of(), "migrate", "--config", file.toString());
        assertEquals(2, run.exit(), run.all());
        assertTrue(run.stderr().contains("is not a valid df2redis status"), run.stderr());
        assertEquals("{ not json", Files.readString(state.resolve("status.json")));
    }

    /**
     * Steps: a dry run changes nothing; migrate runs precheck and baseline (exit 0, one line per
     * event on stdout, logs on stderr); status prints it human-readable and as JSON; no output
     * and no file holds a password or the token.
     */
    @Test
    void migrateRunsTheStagesAndStatusReportsThem() throws Exception {
        Path state = home.resolve("state-ok");
        Path file = config("ok.yaml", state, "allow");
        Map<String, String> env = Map.of("DF2REDIS_TARGET_PASSWORD", TARGET_PASSWORD);

        Object targetKeysBefore = target.command("DBSIZE");
        Df2redisProcess.Run dry = Df2redisProcess.run(home, env, "migrate", "--dry-run", "--config", file.toString());
        assertEquals(0, dry.exit(), dry.all());
        assertTrue(dry.stdout().contains("ready: source redis"), dry.stdout());
        assertTrue(dry.stdout().contains("(dry run: nothing was changed)"));
        assertFalse(Files.exists(state.resolve("status.json")), "a dry run writes no status");
        assertEquals(targetKeysBefore, target.command("DBSIZE"), "a dry run writes no key");

        Df2redisProcess.Run run = Df2redisProcess.run(home, env, "migrate", "--config", file.toString());
        assertEquals(0, run.exit(), run.all());
        assertTrue(run.stdout().contains("[precheck] stage.succeeded"), run.stdout());
        assertTrue(run.stdout().contains("[baseline] stage.succeeded"), run.stdout());
        assertTrue(run.stdout().contains("[import] stage.succeeded"), run.stdout());
        assertTrue(run.stdout().contains("succeeded: all stages succeeded"), run.stdout());
        assertFalse(run.stdout().contains("INFO"), "logs stay on stderr");
        assertTrue(run.stderr().contains("INFO"), "logs go to stderr");

        Df2redisProcess.Run status = Df2redisProcess.run(home, Map.of(), "status", "--config", file.toString());
        assertEquals(0, status.exit(), status.all());
        assertTrue(status.stdout().contains("baseline     succeeded"), status.stdout());

        Df2redisProcess.Run json = Df2redisProcess.run(home, Map.of(), "status", "--json", "--config", file.toString());
        JsonNode parsed = StatusJson.MAPPER.readTree(json.stdout());
        assertEquals("succeeded", parsed.path("status").asText());
        assertEquals(20 * 15 + 4, parsed.path("stages").get(1).path("findings").path("inventory").path("keys").asLong());
        assertEquals(String.valueOf(parsed.path("stages").get(1).path("findings").path("t0").asLong()),
                target.command("GET", "MIGRATE_BASE_TS"), "T0 written on the target");

        String everything = dry.all() + run.all() + status.all() + json.all() + Files.readString(state.resolve("status.json"));
        for (String secret : List.of(SOURCE_PASSWORD, TARGET_PASSWORD, TOKEN)) {
            assertFalse(everything.contains(secret), "a secret was printed or stored");
        }
    }

    @Test
    void aFailedPrecheckExits1SayingWhy() throws Exception {
        target.command("SET", "already-here", "1");
        try {
            Path file = config("nonempty.yaml", home.resolve("state-nonempty"), "fail");
            Df2redisProcess.Run run = Df2redisProcess.run(home, Map.of("DF2REDIS_TARGET_PASSWORD", TARGET_PASSWORD),
                    "migrate", "--config", file.toString());
            assertEquals(1, run.exit(), run.all());
            assertTrue(run.stdout().contains("stage precheck failed: the target already holds"), run.stdout());
            assertTrue(run.stdout().contains("migrate.targetNonEmpty: allow"), run.stdout());
        } finally {
            target.command("DEL", "already-here");
        }
    }

    @Test
    void aWrongPasswordIsNamedWithoutPrintingIt() throws Exception {
        Path file = config("wrongpw.yaml", home.resolve("state-wrongpw"), "allow");
        Df2redisProcess.Run run = Df2redisProcess.run(home, Map.of("DF2REDIS_TARGET_PASSWORD", "not-the-password-123"),
                "migrate", "--config", file.toString());
        assertEquals(1, run.exit(), run.all());
        assertTrue(run.stdout().contains("authentication failed"), run.stdout());
        assertTrue(run.stdout().contains("check target.password (or DF2REDIS_TARGET_PASSWORD)"), run.stdout());
        assertFalse(run.all().contains("not-the-password-123"));
    }

    @Test
    void migrateWithShowServesTheApiWhileItRuns() throws Exception {
        Path state = home.resolve("state-show");
        Path file = config("show.yaml", state, "allow");
        Files.writeString(file, Files.readString(file).replace("targetNonEmpty: allow",
                "targetNonEmpty: allow\n  scanCount: 10\n  throttle: {maxOpsPerMaster: 40}"));
        int port = LocalRedis.freePort();
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest status = HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/api/v1/migration"))
                .header("Authorization", "Bearer " + TOKEN).build();
        try (Df2redisProcess run = Df2redisProcess.start(home, Map.of("DF2REDIS_TARGET_PASSWORD", TARGET_PASSWORD),
                "migrate", "--config", file.toString(), "--show", String.valueOf(port))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                try {
                    HttpResponse<String> response = http.send(status, HttpResponse.BodyHandlers.ofString());
                    return response.statusCode() == 200 && response.body().contains("\"status\":\"running\"");
                } catch (IOException e) {
                    return false;
                }
            });
            assertEquals(0, run.await(60), run.stdout() + run.stderr());
        }
    }

    @Test
    void theLauncherScriptRunsTheJar() throws Exception {
        Path launcher = Path.of(System.getProperty("df2redis.launcher", "target/df2redis")).toAbsolutePath();
        try (Df2redisProcess process = Df2redisProcess.startCommand(home, Map.of(), List.of(launcher.toString(), "help"))) {
            assertEquals(0, process.await(60));
            assertTrue(process.stdout().contains("usage: df2redis"));
        }
    }

    private Path config(String name, Path state, String targetNonEmpty) throws Exception {
        return write(name, """
                source:
                  type: redis
                  addr: %s
                  password: %s
                target:
                  seed: %s
                stateDir: %s
                migrate:
                  mode: snapshot
                  targetNonEmpty: %s
                control:
                  token: %s
                engine:
                  remoteTimeout: 2s
                  retryBackoff: 100ms
                """.formatted(source.address(), SOURCE_PASSWORD, target.address(), state, targetNonEmpty, TOKEN));
    }

    private static Path write(String name, String text) throws Exception {
        Path file = home.resolve(name);
        Files.writeString(file, text);
        return file;
    }
}
