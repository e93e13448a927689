package io.df2redis.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.df2redis.local.DemoDataset;
import io.df2redis.local.LocalRedis;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code df2redis rollback} with the packaged jar: it always finishes or says why not. The process
 * that runs the rollback stays until the rollback plan ends, the CLI follows it and exits with its
 * outcome, a rollback cut off by {@code kill -9} is finished by the next run, and a state directory
 * with nothing to roll back is answered at once, in one line.
 */
@ExtendWith(ServiceLogOnFailure.class)
class RollbackIT {

    private static final String TOKEN = "rollback-it-token-5520";

    @TempDir
    Path home;

    /** Steps: a migration file whose state directory was never used; rollback: one line that says so, exit 2, no boot. */
    @Test
    void rollbackWithNoStateSaysThereIsNothingToRollBack() throws Exception {
        Path file = config("127.0.0.1:1", "127.0.0.1:2", LocalRedis.freePort(), "migrate: {mode: live}\n");

        Df2redisProcess.Run run = Df2redisProcess.run(home, env(file), "rollback");

        assertEquals(2, run.exit(), run.all());
        assertEquals("df2redis rollback: nothing to roll back: no migration has run with this state directory (no status in "
                + home.resolve("state/status.json") + "); check stateDir in the migration file", run.stderr().strip());
        assertEquals("", run.stdout().strip());
    }

    /** Steps: a snapshot migration to its end; rollback: one line that says a snapshot run has nothing to roll back, exit 2. */
    @Test
    void rollbackAfterASnapshotRunSaysThereIsNothingToRollBack() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty())) {
            DemoDataset.load(source, 10, 2);
            Path file = config(source.address(), target.address(), LocalRedis.freePort(), "migrate: {mode: snapshot}\n");
            Df2redisProcess.Run migrate = Df2redisProcess.run(home, env(file), "migrate");
            assertEquals(0, migrate.exit(), migrate.all());

            Df2redisProcess.Run run = Df2redisProcess.run(home, env(file), "rollback");

            assertEquals(2, run.exit(), run.all());
            assertEquals("df2redis rollback: nothing to roll back: a snapshot run never routes applications, so the source has "
                    + "stayed primary; to remove the copy, empty the target yourself", run.stderr().strip());
            assertFalse(run.all().contains("retrying"), run.all());
        }
    }

    /**
     * Steps: a live migration to its end (cleanup stops mirroring to the source); rollback: one line that
     * says the source lacks the writes made since and what to do instead, exit 2; the proxy still
     * passes through to the target.
     */
    @Test
    void rollbackAfterACleanedUpMigrationSaysThereIsNothingToRollBack() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty())) {
            DemoDataset.load(source, 10, 4);
            Path file = config(source.address(), target.address(), LocalRedis.freePort(), """
                    migrate:
                      mode: live
                      cutover:
                        checkEvery: 300ms
                        batches:
                          - {label: all, percentage: 100, duration: 1s}
                    sync: {readyFor: 1s}
                    cleanup: {observeFor: 0s}
                    """);
            long proxyPid = 0;
            try {
                Df2redisProcess.Run migrate = Df2redisProcess.run(home, env(file), "migrate");
                proxyPid = StatusFiles.read(home.resolve("state/status.json")).path("proxy").path("pid").asLong();
                assertEquals(0, migrate.exit(), migrate.all());

                Df2redisProcess.Run run = Df2redisProcess.run(home, env(file), "rollback");

                assertEquals(2, run.exit(), run.all());
                String line = run.stderr().strip();
                assertTrue(line.startsWith("df2redis rollback: nothing to roll back: the migration finished at ")
                        && line.endsWith(" and its cleanup stopped mirroring to the source, which lacks the writes made since; "
                                + "to go back, migrate again with source and target swapped") && !line.contains("\n"), line);
                assertEquals("target", StatusFiles.read(home.resolve("state/status.json")).path("proxy").path("route").asText(),
                        "the refused rollback changed nothing");
            } finally {
                stopProxy(proxyPid);
            }
        }
    }

    /**
     * Steps: {@code migrate --show PORT} with a writer on the proxy until the write flip (the target is
     * primary, cleanup observes); {@code df2redis rollback}: it finds the migrate process by the address
     * it recorded, follows the rollback and exits 0 once the source is primary again. The migrate
     * process stays until the rollback plan ends, then exits 0 too; the proxy it started keeps running
     * on the source route, the writer's connection never broke, and the source holds every
     * acknowledged write.
     */
    @Test
    void rollbackSentToARunningMigrateIsFollowedToItsEnd() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty())) {
            DemoDataset.load(source, 30, 5);
            int show = LocalRedis.freePort();
            int proxyPort = LocalRedis.freePort();
            Path file = config(source.address(), target.address(), LocalRedis.freePort(), proxyPort, """
                    migrate:
                      mode: live
                      cutover:
                        checkEvery: 300ms
                        batches:
                          - {label: all, percentage: 100, duration: 1s}
                    verify: {mode: full}
                    cleanup: {observeFor: 1h}
                    """);
            Path statusFile = home.resolve("state/status.json");
            long proxyPid = 0;
            try (Df2redisProcess migrate = Df2redisProcess.start(home, env(file), "migrate", "--show", String.valueOf(show));
                 LiveWriter writer = LiveWriter.seeded(source.client(), proxyPort, 300)) {
                await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                        .until(() -> StatusFiles.stage(StatusFiles.read(statusFile), "start-proxy").path("status").asText().equals("succeeded"));
                writer.start();
                await().atMost(Duration.ofSeconds(120)).ignoreExceptions()
                        .until(() -> StatusFiles.stage(StatusFiles.read(statusFile), "cleanup").path("status").asText().equals("running")
                                || !migrate.process().isAlive());
                assertTrue(StatusFiles.read(statusFile).path("cutover").path("writesFlipped").asBoolean(), StatusFiles.read(statusFile).toString());
                proxyPid = StatusFiles.read(statusFile).path("proxy").path("pid").asLong();
                long written = writer.acknowledged();
                await().atMost(Duration.ofSeconds(30)).until(() -> writer.acknowledged() > written + 300);

                Df2redisProcess.Run rollback = Df2redisProcess.run(home, env(file), "rollback");

                assertEquals(0, rollback.exit(), rollback.all());
                assertTrue(rollback.stdout().contains("rollback succeeded: all stages succeeded"), rollback.stdout());
                assertTrue(rollback.stdout().contains("[rollback-route] fence.attempt: rollback: flipped"),
                        "the CLI printed the progress: " + rollback.stdout());
                assertEquals(0, migrate.await(60), "the migrate process ends with the rollback's outcome: " + migrate.stdout());
                assertTrue(migrate.stdout().contains("rollback succeeded: all stages succeeded"), migrate.stdout());
                JsonNode done = StatusFiles.read(statusFile);
                assertEquals("rollback", done.path("plan").asText());
                assertEquals("succeeded", done.path("status").asText(), done.toString());
                assertEquals("source", done.path("proxy").path("route").asText());
                assertTrue(ProcessHandle.of(proxyPid).map(ProcessHandle::isAlive).orElse(false), "the proxy keeps serving");

                long afterRollback = writer.acknowledged();
                await().atMost(Duration.ofSeconds(30)).until(() -> writer.acknowledged() > afterRollback + 300);
                writer.stop();
                assertEquals(0, writer.connectionErrors(), "the application's connection never broke: " + LiveWriter.summary(writer));
                assertEquals(List.of(), writer.lostWrites(source.client()), "the source holds every acknowledged write");
            } finally {
                stopProxy(proxyPid);
            }
        }
    }

    /**
     * Steps: {@code serve}, the migration with a writer on to the write flip; the source stops answering
     * for a few seconds ({@code DEBUG SLEEP}) and {@code df2redis rollback} starts: the reverse drain
     * waits on the source; {@code kill -9} of the service while the rollback runs. The following CLI
     * says the service stopped before the rollback ended, exit 1. Then {@code df2redis migrate} on the
     * same state directory: it continues the rollback rather than a migration, and exits 0 with the
     * source primary and holding every acknowledged write.
     */
    @Test
    void aRollbackCutOffByKillIsFinishedByTheNextMigrate() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty())) {
            DemoDataset.load(source, 30, 7);
            int port = LocalRedis.freePort();
            int proxyPort = LocalRedis.freePort();
            Path file = config(source.address(), target.address(), port, proxyPort, """
                    migrate:
                      mode: live
                      cutover:
                        checkEvery: 300ms
                        batches:
                          - {label: all, percentage: 100, duration: 1s}
                    verify: {mode: full}
                    cleanup: {observeFor: 1h}
                    """);
            Path statusFile = home.resolve("state/status.json");
            long proxyPid = 0;
            try (Df2redisProcess serve = Df2redisProcess.start(home, env(file), "serve");
                 LiveWriter writer = LiveWriter.seeded(source.client(), proxyPort, 200)) {
                var http = java.net.http.HttpClient.newHttpClient();
                await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> http.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + port + "/q/health/live")).build(),
                        java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
                Df2redisProcess.Run none = Df2redisProcess.run(home, env(file), "rollback");
                assertEquals(2, none.exit(), "the service answers 409 when there is nothing to roll back: " + none.all());
                assertTrue(none.stderr().startsWith("df2redis rollback: nothing to roll back: no migration has run"), none.stderr());

                startMigration(port);
                await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                        .until(() -> StatusFiles.stage(StatusFiles.read(statusFile), "start-proxy").path("status").asText().equals("succeeded"));
                writer.start();
                await().atMost(Duration.ofSeconds(120)).ignoreExceptions()
                        .until(() -> StatusFiles.stage(StatusFiles.read(statusFile), "cleanup").path("status").asText().equals("running"));
                proxyPid = StatusFiles.read(statusFile).path("proxy").path("pid").asLong();
                long written = writer.acknowledged();
                await().atMost(Duration.ofSeconds(30)).until(() -> writer.acknowledged() > written + 200);

                Thread sleep = new Thread(() -> {
                    try {
                        source.client().command("DEBUG", "SLEEP", "6");
                    } catch (java.io.IOException e) {
                        // the sleep is the point
                    }
                });
                sleep.start();
                try (Df2redisProcess rollback = Df2redisProcess.start(home, env(file), "rollback")) {
                    await().atMost(Duration.ofSeconds(20)).ignoreExceptions().pollInterval(Duration.ofMillis(20))
                            .until(() -> "rollback".equals(StatusFiles.read(statusFile).path("plan").asText())
                                    && "running".equals(StatusFiles.read(statusFile).path("status").asText()));
                    serve.process().destroyForcibly();
                    serve.await(20);
                    assertEquals(1, rollback.await(60), rollback.stdout() + rollback.stderr());
                    assertTrue(rollback.stderr().contains("stopped before the rollback ended")
                            && rollback.stderr().contains("run df2redis rollback again to finish it"), rollback.stderr());
                }
                sleep.join();

                Df2redisProcess.Run next = Df2redisProcess.run(home, env(file), "migrate");

                assertEquals(0, next.exit(), next.all());
                assertTrue(next.stdout().contains("rollback.unfinished: the rollback started earlier on this state directory did not end; "
                        + "it continues now, not the migrate plan"), next.stdout());
                assertTrue(next.stdout().contains("rollback succeeded: all stages succeeded"), next.stdout());
                JsonNode done = StatusFiles.read(statusFile);
                assertEquals("rollback", done.path("plan").asText());
                assertEquals("succeeded", done.path("status").asText(), done.toString());
                assertFalse(next.stdout().contains("[cleanup] stage.started") || next.stdout().contains("[fence] stage.started"),
                        "no migration stage ran again: " + next.stdout());
                assertEquals("source", done.path("proxy").path("route").asText());
                assertEquals(proxyPid, done.path("proxy").path("pid").asLong(), "the proxy kept serving all along");

                long afterRollback = writer.acknowledged();
                await().atMost(Duration.ofSeconds(30)).until(() -> writer.acknowledged() > afterRollback + 200);
                writer.stop();
                assertEquals(List.of(), writer.lostWrites(source.client()), "the source holds every acknowledged write");
            } finally {
                stopProxy(proxyPid);
            }
        }
    }

    private void startMigration(int port) throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        var response = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/api/v1/migration"))
                .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(10))
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(202, response.statusCode(), response.body());
    }

    private static void stopProxy(long pid) {
        if (pid > 0) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private Map<String, String> env(Path file) {
        return Map.of("DF2REDIS_CONFIG", file.toString(), "DF2REDIS_CONTROL_TOKEN", TOKEN);
    }

    private Path config(String source, String target, int dashboardPort, String extra) throws Exception {
        return config(source, target, dashboardPort, LocalRedis.freePort(), extra);
    }

    private Path config(String source, String target, int dashboardPort, int proxyPort, String extra) throws Exception {
        Path file = home.resolve("migrate.yaml");
        Files.writeString(file, """
                source: {type: redis, addr: "%s"}
                target: {seed: "%s"}
                stateDir: state
                dashboard: {addr: "127.0.0.1:%d"}
                proxy: {endpoint: "127.0.0.1:%d", consolePort: %d}
                engine: {checkpointEvery: 1, remoteTimeout: 2s}
                """.formatted(source, target, dashboardPort, proxyPort, LocalRedis.freePort()) + extra);
        return file;
    }
}
