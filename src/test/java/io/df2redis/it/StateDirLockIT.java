package io.df2redis.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.df2redis.local.LocalRedis;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * One owner per state directory, with the packaged jar.
 *
 * <p>Steps: {@code serve} runs on a state directory; a {@code migrate} on the same directory exits 2
 * at once, naming the process that holds it, and changes nothing; once {@code serve} has stopped,
 * {@code migrate} on that directory runs to its end.
 */
@ExtendWith(ServiceLogOnFailure.class)
class StateDirLockIT {

    @TempDir
    Path home;

    @Test
    void aSecondProcessOnTheSameStateDirectoryIsRefusedAndNamesTheHolder() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty())) {
            source.command("SET", "k", "v");
            int port = LocalRedis.freePort();
            Path file = home.resolve("migrate.yaml");
            Files.writeString(file, """
                    source: {type: redis, addr: "%s"}
                    target: {seed: "%s"}
                    stateDir: state
                    dashboard: {addr: "127.0.0.1:%d"}
                    migrate: {mode: snapshot}
                    """.formatted(source.address(), target.address(), port));
            HttpClient http = HttpClient.newHttpClient();
            try (Df2redisProcess serve = Df2redisProcess.start(home, Map.of("DF2REDIS_CONFIG", file.toString()), "serve")) {
                await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/q/health/live")).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
                long holder = serve.process().pid();

                Df2redisProcess.Run second = Df2redisProcess.run(home, Map.of(), "migrate", "--config", file.toString());
                assertEquals(2, second.exit(), second.all());
                assertTrue(second.stderr().contains("is in use by another df2redis process (pid=" + holder + " host="),
                        "names the holder: " + second.stderr());
                assertTrue(second.stderr().contains("give this run another stateDir"), second.stderr());
                assertEquals(null, target.command("GET", "k"), "the refused migrate changed nothing");

                serve.process().toHandle().destroy();
                serve.await(30);
            }
            Df2redisProcess.Run after = Df2redisProcess.run(home, Map.of(), "migrate", "--config", file.toString());
            assertEquals(0, after.exit(), "the lock ends with its holder: " + after.all());
            assertEquals("v", target.command("GET", "k"));
        }
    }
}
