package io.df2redis.resp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.df2redis.local.LocalRedis;
import io.df2redis.testing.TempDirs;
import io.vertx.mutiny.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The lean pipelined connection of the copy's hot path, against a real redis-server that wants a password. */
class PipelinedConnectionTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String PASSWORD = "s3cret";

    private static Path home;
    private static LocalRedis server;
    private static Vertx vertx;

    @BeforeAll
    static void start() throws IOException {
        home = Files.createTempDirectory("df2redis-pipelined-");
        server = LocalRedis.start(home, Optional.of(PASSWORD));
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() {
        vertx.closeAndAwait();
        server.close();
        TempDirs.delete(home);
    }

    private static RedisSide side(String password) {
        return new RedisSide(vertx, new RedisEndpoint("target", List.of(server.address()), Optional.empty(),
                Optional.of(password), false, false), WAIT, 2);
    }

    @Test
    void everyLeanConnectionOfAVertxLivesOnTheSameEventLoop() {
        // Sides made apart (as the service's source and target, and the import's own pools) and connections
        // opened from different threads: each connection's replies arrive on one and the same event loop.
        List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (RedisSide first = side(PASSWORD); RedisSide second = side(PASSWORD).withPoolSize(2)) {
            List<LeanConnection> connections = new java.util.ArrayList<>();
            for (int i = 0; i < 6; i++) {
                RedisSide side = i % 2 == 0 ? first : second;
                Thread opener = new Thread(() -> connections.add(side.pipelined(0, Integer.MAX_VALUE).await().atMost(WAIT)));
                opener.start();
                assertTrue(joined(opener));
            }
            for (LeanConnection connection : connections) {
                connection.send(new RespCommands(16).command(1).arg("PING"))
                        .invoke(replies -> threads.add(Thread.currentThread().getName()))
                        .await().atMost(WAIT);
                connection.close();
            }
        }
        assertEquals(6, threads.size());
        assertEquals(1, threads.stream().distinct().count(), threads.toString());
        assertTrue(threads.get(0).startsWith("vert.x-eventloop-thread-"), threads.toString());
    }

    private static boolean joined(Thread thread) {
        try {
            thread.join(WAIT.toMillis());
            return !thread.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Test
    void logsInAndWritesIntoTheDatabaseItWasOpenedFor() throws IOException {
        try (RedisSide side = side(PASSWORD)) {
            LeanConnection connection = side.pipelined(3, Integer.MAX_VALUE).await().atMost(WAIT);
            RespReplies replies = connection.send(new RespCommands(64).command(3).arg("SET").arg("in-db-3").arg("v"))
                    .await().atMost(WAIT);
            connection.close();

            assertEquals("OK", replies.text(0));
            assertTrue(String.valueOf(server.command("INFO", "keyspace")).contains("db3:keys=1"),
                    String.valueOf(server.command("INFO", "keyspace")));
        }
    }

    @Test
    void aWrongPasswordFailsWithTheSettingToFix() {
        try (RedisSide side = side("wrong")) {
            RuntimeException failed = assertThrows(RuntimeException.class,
                    () -> side.pipelined(0, Integer.MAX_VALUE).await().atMost(WAIT));
            assertTrue(failed.getMessage().contains("authentication failed")
                    && failed.getMessage().contains("target.password"), failed.getMessage());
        }
    }

    /**
     * One write of commands whose replies are of every kind: OK, bulk strings streamed over many socket reads
     * (one kept, one above the limit and skipped with its length), an error reply among successes, integers,
     * nil, an array and nested arrays; the replies stay in order and in step.
     */
    @Test
    void repliesComeBackInOrderWithErrorsPerCommandAndBigBulksSkipped() {
        byte[] kept = new byte[200_000];
        byte[] skipped = new byte[3_000_000];
        Arrays.fill(kept, (byte) 'k');
        Arrays.fill(skipped, (byte) 's');
        try (RedisSide side = side(PASSWORD)) {
            LeanConnection connection = side.pipelined(0, 250_000).await().atMost(WAIT);
            RespCommands commands = new RespCommands(4_000_000)
                    .command(3).arg("SET").arg("kept").arg(kept)
                    .command(3).arg("SET").arg("skipped").arg(skipped)
                    .command(2).arg("GET").arg("skipped")
                    .command(2).arg("GET").arg("kept")
                    .command(2).arg("INCR").arg("kept")
                    .command(3).arg("RPUSH").arg("list").arg(-42)
                    .command(2).arg("PTTL").arg("missing")
                    .command(2).arg("GET").arg("missing")
                    .command(4).arg("LRANGE").arg("list").arg(0).arg(-1)
                    .command(2).arg("SCAN").arg(0)
                    .command(2).arg("STRLEN").arg("skipped");

            RespReplies replies = connection.send(commands).await().atMost(WAIT);
            connection.close();

            assertEquals(11, replies.size());
            assertEquals("OK", replies.text(0));
            assertEquals("OK", replies.text(1));
            assertTrue(replies.oversized(2), "above the limit: not kept");
            assertEquals(3_000_000L, replies.number(2), "its length is");
            assertArrayEquals(kept, replies.bytes(3));
            assertTrue(replies.error(4), "INCR of a non-number fails alone");
            assertTrue(replies.errorMessage(4).startsWith("ERR"), replies.errorMessage(4));
            assertEquals(1L, replies.number(5));
            assertEquals(-2L, replies.number(6));
            assertTrue(replies.nil(7));
            assertEquals(RespReplies.ARRAY, replies.kind(8));
            assertEquals(1L, replies.number(8));
            assertEquals(List.of("-42"), texts(replies.elements(8)));
            assertEquals(RespReplies.ARRAY, replies.kind(9));
            assertEquals(2L, replies.number(9), "cursor and keys");
            List<String> scan = texts(replies.elements(9));
            assertEquals("0", scan.get(0), "the cursor comes first: " + scan);
            assertEquals(List.of("kept", "list", "skipped"), scan.subList(1, scan.size()).stream().sorted().toList());
            assertEquals(3_000_000L, replies.number(10), "still in step after the skipped bulk and the nested arrays");
        }
    }

    /**
     * An array reply keeps its leaves in order, nested arrays flattened: integers, bulk strings, nil and a
     * bulk over the limit (both null), an empty array (no leaf); the next reply is still in step.
     */
    @Test
    void arrayRepliesKeepTheirLeavesFlattened() {
        byte[] big = new byte[300_000];
        Arrays.fill(big, (byte) 'b');
        try (RedisSide side = side(PASSWORD)) {
            LeanConnection connection = side.pipelined(5, 250_000).await().atMost(WAIT);
            RespCommands commands = new RespCommands(400_000)
                    .command(3).arg("SET").arg("big").arg(big)
                    .command(4).arg("EVAL")
                    .arg("return {7, {'a', {'b'}}, {}, false, redis.call('GET', KEYS[1]), 'c'}").arg(1).arg("big")
                    .command(1).arg("PING")
                    .command(3).arg("EVAL").arg("return {}").arg(0);

            RespReplies replies = connection.send(commands).await().atMost(WAIT);
            connection.close();

            assertEquals(4, replies.size());
            List<Object> leaves = replies.elements(1);
            assertEquals(6, leaves.size(), "leaves: " + leaves);
            assertEquals(7L, leaves.get(0));
            assertArrayEquals("a".getBytes(), (byte[]) leaves.get(1));
            assertArrayEquals("b".getBytes(), (byte[]) leaves.get(2));
            assertEquals(null, leaves.get(3), "nil");
            assertEquals(null, leaves.get(4), "over the limit");
            assertArrayEquals("c".getBytes(), (byte[]) leaves.get(5));
            assertEquals("PONG", replies.text(2));
            assertEquals(RespReplies.ARRAY, replies.kind(3));
            assertEquals(List.of(), replies.elements(3));
        }
    }

    private static List<String> texts(List<Object> leaves) {
        return leaves.stream().map(leaf -> new String((byte[]) leaf, java.nio.charset.StandardCharsets.UTF_8)).toList();
    }
}
