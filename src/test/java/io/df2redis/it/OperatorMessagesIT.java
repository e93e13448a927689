package io.df2redis.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.df2redis.local.LocalRedis;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar's one-line messages for operator mistakes around the process: each says what
 * happened and what to do, and the exit code says it failed.
 */
class OperatorMessagesIT {

    @TempDir
    static Path home;
    static LocalRedis source;
    static LocalRedis target;

    @BeforeAll
    static void servers() throws Exception {
        source = LocalRedis.start(home.resolve("source"), Optional.empty());
        target = LocalRedis.start(home.resolve("target"), Optional.empty());
    }

    @AfterAll
    static void stop() {
        source.close();
        target.close();
    }

    @Test
    void servingOnAPortInUseSaysSoAndHowToChooseAnother() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            Path file = config("port.yaml", home.resolve("state-port"), "127.0.0.1:" + taken.getLocalPort());
            Df2redisProcess.Run run = Df2redisProcess.run(home, Map.of(), "serve", "--config", file.toString());
            assertEquals(1, run.exit(), run.all());
            assertTrue(run.stderr().contains("df2redis: could not start: the HTTP address 127.0.0.1:" + taken.getLocalPort()
                    + " is already in use by another process: stop that process, or choose a free port with dashboard.addr\n"),
                    run.stderr());
        }
    }

    @Test
    void aStateDirThatCannotBeCreatedSaysWhy() throws Exception {
        Path blocker = Files.writeString(home.resolve("not-a-dir"), "a file where a directory should be");
        Path state = blocker.resolve("state");
        Path file = config("statedir.yaml", state, "127.0.0.1:" + LocalRedis.freePort());
        Df2redisProcess.Run run = Df2redisProcess.run(home, Map.of(), "migrate", "--config", file.toString());
        assertEquals(2, run.exit(), run.all());
        assertTrue(run.stderr().contains("df2redis: cannot create and lock the state directory " + state + " (" + blocker
                + " exists and is not a directory): set stateDir to a directory this user can create and write\n"), run.stderr());
    }

    @Test
    void aConfigThatIsADirectorySaysSo() throws Exception {
        Path dir = Files.createDirectories(home.resolve("configs"));
        Df2redisProcess.Run run = Df2redisProcess.run(home, Map.of(), "migrate", "--config", dir.toString());
        assertEquals(2, run.exit(), run.all());
        assertTrue(run.stderr().contains("df2redis: invalid migration config " + dir + ": is a directory, not a migration file: pass the "
                + "YAML file inside it with --config (or DF2REDIS_CONFIG), e.g. " + dir.resolve("migrate.yaml") + "\n"), run.stderr());
    }

    @Test
    void advanceWithNoServiceSaysHowToStartOne() throws Exception {
        int port = LocalRedis.freePort();
        Path file = config("advance.yaml", home.resolve("state-advance"), "127.0.0.1:" + port);
        Df2redisProcess.Run run = Df2redisProcess.run(home, Map.of(), "advance", "--config", file.toString());
        assertEquals(1, run.exit(), run.all());
        assertTrue(run.stderr().contains("df2redis advance: no df2redis service answers at http://127.0.0.1:" + port
                + " (dashboard.addr; ConnectException): start it with df2redis serve on this migration file, then advance again\n"),
                run.stderr());
    }

    private static Path config(String name, Path state, String dashboard) throws Exception {
        Path file = home.resolve(name);
        Files.writeString(file, """
                source: {type: redis, addr: "%s"}
                target: {seed: "%s"}
                stateDir: "%s"
                migrate: {mode: snapshot}
                control: {token: messages-token-1234}
                dashboard: {addr: "%s"}
                """.formatted(source.address(), target.address(), state, dashboard));
        return file;
    }
}
