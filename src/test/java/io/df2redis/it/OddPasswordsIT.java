package io.df2redis.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.df2redis.local.DemoDataset;
import io.df2redis.local.LocalRedis;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Passwords with any characters, through the packaged jar: a source whose default user's password holds
 * {@code @ / : # % ?} and a target reached as an ACL user whose password also holds a quote, a backslash
 * and a blank, both given in the environment.
 *
 * <p>Steps: the dry run is ready; the snapshot migration (precheck, baseline, import, verify) succeeds and
 * copies every key; no output and no file of the state directory shows either password.
 */
class OddPasswordsIT {

    static final String SOURCE_PASSWORD = "p@ss/w:rd#%?";
    static final String TARGET_PASSWORD = "q\"u\\o@t/e:#%? x";

    @TempDir
    Path home;

    @Test
    void aMigrationWithPasswordsOfAnyCharactersSucceedsAndShowsNeither() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.of(SOURCE_PASSWORD));
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.of("target-default-pw"))) {
            target.command("ACL", "SETUSER", "mover", "on", ">" + TARGET_PASSWORD, "~*", "&*", "+@all");
            DemoDataset.load(source, 10, 5);
            Path state = home.resolve("state");
            Path file = home.resolve("migrate.yaml");
            Files.writeString(file, """
                    source: {type: redis, addr: "%s"}
                    target: {seed: "%s", username: mover}
                    stateDir: "%s"
                    migrate: {mode: snapshot}
                    engine: {remoteTimeout: 5s}
                    """.formatted(source.address(), target.address(), state));
            Map<String, String> env = Map.of("DF2REDIS_SOURCE_PASSWORD", SOURCE_PASSWORD, "DF2REDIS_TARGET_PASSWORD", TARGET_PASSWORD);

            Df2redisProcess.Run dry = Df2redisProcess.run(home, env, "migrate", "--dry-run", "--config", file.toString());
            assertEquals(0, dry.exit(), dry.all());
            Df2redisProcess.Run run = Df2redisProcess.run(home, env, "migrate", "--config", file.toString());
            assertEquals(0, run.exit(), run.all());
            assertTrue(run.stdout().contains("succeeded: all stages succeeded"), run.stdout());
            assertEquals(source.command("DBSIZE"), target.command("DBSIZE"), "every key was copied (and MIGRATE_BASE_TS is on both sides)");

            StringBuilder everything = new StringBuilder(dry.all()).append(run.all());
            try (Stream<Path> files = Files.walk(state)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    everything.append(Files.readString(f));
                }
            }
            for (String fragment : List.of("ss/w:rd", "o@t/e", "u\\o")) {
                assertFalse(everything.toString().contains(fragment), "a password was printed or stored");
            }
        }
    }

    /**
     * Steps: a live migration through the packaged jar's proxy (dual-write, read batches, the fenced write
     * flip, cleanup) with such passwords succeeds; the files that must hold the passwords (the proxy's route,
     * settings and hook) are 0600, and nothing else shows them.
     */
    @Test
    void aLiveMigrationThroughTheProxyWithSuchPasswordsSucceeds() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.of(SOURCE_PASSWORD));
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.of("target-default-pw"))) {
            target.command("ACL", "SETUSER", "mover", "on", ">" + TARGET_PASSWORD, "~*", "&*", "+@all");
            DemoDataset.load(source, 10, 6);
            Path state = home.resolve("live-state");
            Path file = home.resolve("live.yaml");
            Files.writeString(file, """
                    source: {type: redis, addr: "%s"}
                    target: {seed: "%s", username: mover}
                    stateDir: "%s"
                    proxy: {endpoint: "127.0.0.1:%d", consolePort: %d, stopWithService: true}
                    migrate:
                      mode: live
                      cutover:
                        checkEvery: 200ms
                        batches:
                          - {percentage: 50, duration: 1s}
                          - {percentage: 100, duration: 1s}
                    verify: {mode: sample}
                    sync: {readyFor: 1s}
                    cleanup: {observeFor: 1s}
                    engine: {remoteTimeout: 5s}
                    """.formatted(source.address(), target.address(), state, LocalRedis.freePort(), LocalRedis.freePort()));
            Map<String, String> env = Map.of("DF2REDIS_SOURCE_PASSWORD", SOURCE_PASSWORD, "DF2REDIS_TARGET_PASSWORD", TARGET_PASSWORD);

            Df2redisProcess.Run run = Df2redisProcess.run(home, env, "migrate", "--config", file.toString());
            assertEquals(0, run.exit(), run.all());
            assertTrue(run.stdout().contains("[start-proxy] stage.succeeded"), run.stdout());
            assertTrue(run.stdout().contains("succeeded: all stages succeeded"), run.stdout());

            StringBuilder everything = new StringBuilder(run.all());
            try (Stream<Path> files = Files.walk(state)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    String text = Files.readString(f, java.nio.charset.StandardCharsets.ISO_8859_1);
                    if (text.contains("ss/w:rd") || text.contains("o@t/e")) {
                        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(f)),
                                f + " holds a password");
                    } else {
                        everything.append(text);
                    }
                }
            }
            for (String fragment : List.of("ss/w:rd", "o@t/e", "u\\o")) {
                assertFalse(everything.toString().contains(fragment), "a password was printed");
            }
        }
    }
}
