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

    /** Both passwords, given in the environment. */
    private static final Map<String, String> ENV = Map.of("DF2REDIS_SOURCE_PASSWORD", SOURCE_PASSWORD,
            "DF2REDIS_TARGET_PASSWORD", TARGET_PASSWORD);

    @TempDir
    Path home;

    @Test
    void aMigrationWithPasswordsOfAnyCharactersSucceedsAndShowsNeither() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.of(SOURCE_PASSWORD));
             LocalRedis target = targetWithMover()) {
            DemoDataset.load(source, 10, 5);
            Path state = home.resolve("state");
            Path file = migrationFile("migrate.yaml", source, target, state, """
                    migrate: {mode: snapshot}
                    engine: {remoteTimeout: 5s}
                    """);

            Df2redisProcess.Run dry = Df2redisProcess.run(home, ENV, "migrate", "--dry-run", "--config", file.toString());
            assertEquals(0, dry.exit(), dry.all());
            Df2redisProcess.Run run = Df2redisProcess.run(home, ENV, "migrate", "--config", file.toString());
            assertEquals(0, run.exit(), run.all());
            assertTrue(run.stdout().contains("succeeded: all stages succeeded"), run.stdout());
            assertEquals(source.command("DBSIZE"), target.command("DBSIZE"), "every key was copied (and MIGRATE_BASE_TS is on both sides)");

            StringBuilder everything = new StringBuilder(dry.all()).append(run.all());
            for (Path f : stateFiles(state)) {
                everything.append(Files.readString(f));
            }
            assertNoPassword(everything, "a password was printed or stored");
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
             LocalRedis target = targetWithMover()) {
            DemoDataset.load(source, 10, 6);
            Path state = home.resolve("live-state");
            Path file = migrationFile("live.yaml", source, target, state, """
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
                    """.formatted(LocalRedis.freePort(), LocalRedis.freePort()));

            Df2redisProcess.Run run = Df2redisProcess.run(home, ENV, "migrate", "--config", file.toString());
            assertEquals(0, run.exit(), run.all());
            assertTrue(run.stdout().contains("[start-proxy] stage.succeeded"), run.stdout());
            assertTrue(run.stdout().contains("succeeded: all stages succeeded"), run.stdout());

            StringBuilder everything = new StringBuilder(run.all());
            for (Path f : stateFiles(state)) {
                String text = Files.readString(f, java.nio.charset.StandardCharsets.ISO_8859_1);
                if (text.contains("ss/w:rd") || text.contains("o@t/e")) {
                    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(f)),
                            f + " holds a password");
                } else {
                    everything.append(text);
                }
            }
            assertNoPassword(everything, "a password was printed");
        }
    }

    /** {@code home/name}: the source, the target as user {@code mover} (both passwords come from {@link #ENV}), {@code state}, then {@code rest}. */
    private Path migrationFile(String name, LocalRedis source, LocalRedis target, Path state, String rest) throws Exception {
        Path file = home.resolve(name);
        Files.writeString(file, """
                source: {type: redis, addr: "%s"}
                target: {seed: "%s", username: mover}
                stateDir: "%s"
                """.formatted(source.address(), target.address(), state) + rest);
        return file;
    }

    /** A target whose ACL user {@code mover} has {@link #TARGET_PASSWORD}. */
    private LocalRedis targetWithMover() throws Exception {
        LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.of("target-default-pw"));
        try {
            target.command("ACL", "SETUSER", "mover", "on", ">" + TARGET_PASSWORD, "~*", "&*", "+@all");
            return target;
        } catch (Exception e) {
            target.close();
            throw e;
        }
    }

    private static List<Path> stateFiles(Path state) throws Exception {
        try (Stream<Path> files = Files.walk(state)) {
            return files.filter(Files::isRegularFile).toList();
        }
    }

    /** No part of either password in {@code text}. */
    private static void assertNoPassword(CharSequence text, String message) {
        for (String fragment : List.of("ss/w:rd", "o@t/e", "u\\o")) {
            assertFalse(text.toString().contains(fragment), message);
        }
    }
}
