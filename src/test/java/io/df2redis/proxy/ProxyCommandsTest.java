package io.df2redis.proxy;

import io.df2redis.contract.resp.RespConnection;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.df2redis.local.LocalRedis;
import io.df2redis.contract.resp.RespClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The proxy runtime as applications meet it: a password-protected source and target, the real
 * proxy in dual-write with the source's password, and commands sent the way pipelining clients send
 * them, many in ONE TCP write (Camellia 1.1.1 dropped every command after a locally answered one
 * of the same read).
 */
class ProxyCommandsTest {

    private static final String SOURCE_PASSWORD = "src-pw";
    private static final String TARGET_PASSWORD = "tgt-pw";

    private static Path home;
    private static LocalRedis source;
    private static LocalRedis target;
    private static ProxyJarUnderTest proxy;
    private static int port;
    private static RespClient app;

    @BeforeAll
    static void start() throws Exception {
        home = Files.createTempDirectory("df2redis-proxy-commands-");
        source = LocalRedis.start(home.resolve("source"), Optional.of(SOURCE_PASSWORD));
        target = LocalRedis.start(home.resolve("target"), Optional.of(TARGET_PASSWORD));
        String route = "{\"type\":\"simple\",\"operation\":{\"type\":\"rw_separate\",\"read\":\"redis://"
                + SOURCE_PASSWORD + "@" + source.address() + "\",\"write\":{\"type\":\"multi\",\"resources\":[\"redis://" + SOURCE_PASSWORD
                + "@" + source.address() + "\",\"redis://" + TARGET_PASSWORD + "@" + target.address() + "\"]}}}";
        source.command("ACL", "SETUSER", "app", "on", ">app-pw", "~*", "&*", "+@all");
        source.command("ACL", "SETUSER", "blocked", "off", ">blocked-pw", "~*", "+@all");
        proxy = ProxyJarUnderTest.start(home, route, "commands-test", "128m", "auth.password=" + SOURCE_PASSWORD,
                "auth.aclSource=" + source.address(), "auth.aclRefreshMillis=200");
        port = proxy.port;
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
    void everyCommandOfOnePipelineIsAnsweredInOrderWhateverItMixes() throws Exception {
        List<Object> replies = app.pipeline(List.of(
                List.of("PING"), List.of("SET", "mix:a", "1"), List.of("PING"), List.of("ECHO", "hi"), List.of("SET", "mix:b", "2"),
                List.of("INCR", "mix:c"), List.of("CLIENT", "SETNAME", "worker-1"), List.of("CLIENT", "GETNAME"), List.of("GET", "mix:b"),
                List.of("SELECT", "0"), List.of("HELLO", "4"), List.of("CLIENT", "SETINFO", "LIB-NAME", "test"), List.of("FLUSHALL"),
                List.of("INCR", "mix:c"), List.of("NOSUCHCOMMAND", "x"), List.of("PING", "payload"), List.of("GET", "mix:a")));
        assertEquals(17, replies.size());
        assertEquals(List.of("PONG", "OK", "PONG", "hi", "OK", 1L, "OK", "worker-1", "2", "OK"), replies.subList(0, 10));
        assertTrue(error(replies.get(10)).startsWith("NOPROTO"), "a protocol Redis does not have: " + replies.get(10));
        assertEquals("OK", replies.get(11));
        assertTrue(error(replies.get(12)).contains("FLUSHALL refused"), String.valueOf(replies.get(12)));
        assertEquals(2L, replies.get(13), "the command after a refused one runs");
        assertTrue(error(replies.get(14)).startsWith("ERR unknown command 'nosuchcommand'"), String.valueOf(replies.get(14)));
        assertEquals(List.of("payload", "1"), replies.subList(15, 17));
        for (LocalRedis side : List.of(source, target)) {
            assertEquals(List.of("1", "2", "2"), side.pipeline(List.of(List.of("GET", "mix:a"), List.of("GET", "mix:b"), List.of("GET", "mix:c")))
                    .stream().map(String::valueOf).toList(), side.address());
        }
        assertTrue(source.command("DBSIZE") instanceof Long n && n > 0, "FLUSHALL never ran");
    }

    @Test
    void theSourcesOwnAclUsersLogInWithTheirPasswordsAndNoOtherWay() throws Exception {
        RespClient anonymous = new RespClient("127.0.0.1", port, Optional.empty());
        assertEquals(List.of("OK", "PONG"), anonymous.pipeline(List.of(List.of("AUTH", "app", "app-pw"), List.of("PING"))));
        List<Object> wrong = anonymous.pipeline(List.of(List.of("AUTH", "app", "not-app-pw"), List.of("GET", "mix:a")));
        assertTrue(error(wrong.get(0)).startsWith("WRONGPASS") && error(wrong.get(1)).startsWith("NOAUTH"), String.valueOf(wrong));
        List<Object> disabled = anonymous.pipeline(List.of(List.of("AUTH", "blocked", "blocked-pw"), List.of("GET", "mix:a")));
        assertTrue(error(disabled.get(0)).startsWith("WRONGPASS"), "a user the source has switched off: " + disabled);
        List<Object> unknown = anonymous.pipeline(List.of(List.of("HELLO", "2", "AUTH", "nobody", "x")));
        assertTrue(error(unknown.get(0)).startsWith("WRONGPASS"), String.valueOf(unknown));

        source.command("ACL", "SETUSER", "late", "on", ">late-pw", "~*", "+@all");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> "OK".equals(
                anonymous.pipeline(List.of(List.of("AUTH", "late", "late-pw"))).get(0)));
    }

    @Test
    void helloTwoAnswersTheHandshakeMapAndSetsTheName() throws Exception {
        List<Object> replies = app.pipeline(List.of(List.of("HELLO", "2", "AUTH", "default", SOURCE_PASSWORD, "SETNAME", "svc"),
                List.of("CLIENT", "GETNAME"), List.of("CLIENT", "ID")));
        List<?> hello = (List<?>) replies.get(0);
        assertEquals(List.of("server", "redis", "version", "7.2.0", "proto", 2L), hello.subList(0, 6));
        assertEquals("svc", replies.get(1));
        assertTrue(replies.get(2) instanceof Long);
    }

    @Test
    void selectMovesTheConnectionToThatDatabaseOnBothSidesAndTheJournalRecordsIt() throws Exception {
        List<Object> replies = app.pipeline(List.of(List.of("SELECT", "3"), List.of("SET", "db3:k", "v"), List.of("INCR", "db3:n"),
                List.of("HSET", "db3:h", "f", "1"), List.of("HGETALL", "db3:h"), List.of("MGET", "db3:k", "db3:missing"),
                List.of("SELECT", "16"), List.of("SELECT", "0"), List.of("GET", "db3:k")));
        assertEquals(List.of("OK", "OK", 1L, 1L, List.of("f", "1"), java.util.Arrays.asList("v", null)), replies.subList(0, 6));
        assertTrue(error(replies.get(6)).contains("DB index is out of range"), String.valueOf(replies.get(6)));
        assertEquals("OK", replies.get(7));
        assertEquals(null, replies.get(8), "back on database 0");
        for (LocalRedis side : List.of(source, target)) {
            List<Object> onDb3 = side.pipeline(List.of(List.of("SELECT", "3"), List.of("GET", "db3:k"), List.of("GET", "db3:n")));
            assertEquals(List.of("OK", "v", "1"), onDb3, side.address());
            assertEquals(null, side.command("GET", "db3:k"), "nothing landed on database 0 of " + side.address());
        }
        assertTrue(intents().stream().anyMatch(r -> r[3].equals("3") && r[4].equalsIgnoreCase("set") && key(r[5]).equals("db3:k")),
                "the journal records database 3 and the client's command");
    }

    @Test
    void commandsCamelliaDoesNotKnowRunAsScriptsWithTheirOwnReplies() throws Exception {
        app.pipeline(List.of(List.of("SET", "s:src", "x"), List.of("RPUSH", "s:list", "a", "b", "c"), List.of("ZADD", "s:z", "1", "m"),
                List.of("SADD", "s:set", "1", "2")));
        List<Object> replies = app.pipeline(List.of(List.of("COPY", "s:src", "s:dst"), List.of("LMPOP", "1", "s:list", "LEFT", "COUNT", "2"),
                List.of("ZMPOP", "1", "s:z", "MIN"), List.of("SINTERCARD", "1", "s:set"), List.of("OBJECT", "ENCODING", "s:src"),
                List.of("DBSIZE"), List.of("TIME"), List.of("COPY", "s:src", "s:other", "DB", "2"), List.of("LMPOP", "1", "s:list")));
        assertEquals(1L, replies.get(0));
        assertEquals(List.of("s:list", List.of("a", "b")), replies.get(1));
        assertEquals(List.of("s:z", List.of(List.of("m", "1"))), replies.get(2));
        assertEquals(2L, replies.get(3));
        assertEquals("embstr", replies.get(4));
        assertTrue(replies.get(5) instanceof Long n && n > 0, "DBSIZE: " + replies.get(5));
        assertTrue(replies.get(6) instanceof List<?> time && time.size() == 2, "TIME: " + replies.get(6));
        assertTrue(error(replies.get(7)).contains("COPY with DB refused"), String.valueOf(replies.get(7)));
        assertTrue(replies.get(8) instanceof RespConnection.Error, "a wrong LMPOP gets the server's own error: " + replies.get(8));
        for (LocalRedis side : List.of(source, target)) {
            assertEquals("x", side.command("GET", "s:dst"), "COPY on " + side.address());
            assertEquals(List.of("c"), side.command("LRANGE", "s:list", "0", "-1"), "LMPOP on " + side.address());
            assertEquals(0L, side.command("EXISTS", "s:z"), "ZMPOP on " + side.address());
        }
        assertTrue(intents().stream().anyMatch(r -> r[4].equalsIgnoreCase("copy") && List.of(r).subList(5, r.length).stream()
                .map(ProxyCommandsTest::key).toList().contains("s:dst")), "COPY's destination is journaled");
        assertTrue(intents().stream().noneMatch(r -> r[4].equalsIgnoreCase("sintercard") || r[4].equalsIgnoreCase("dbsize")),
                "scripted reads are not journaled");
    }

    @Test
    void aMultiBlockInOneWriteRunsAsOneOnThePrimaryIsMirroredAndJournaledBeforeItRuns() throws Exception {
        List<Object> replies = app.pipeline(List.of(List.of("MULTI"), List.of("INCR", "tx:n"), List.of("SET", "tx:s", "1"), List.of("INCR", "tx:s"),
                List.of("LPUSH", "tx:s", "x"), List.of("GET", "tx:s"), List.of("EXEC"), List.of("INCR", "tx:after")));
        assertEquals("OK", replies.get(0));
        assertEquals(List.of("QUEUED", "QUEUED", "QUEUED", "QUEUED", "QUEUED"), replies.subList(1, 6));
        List<?> exec = (List<?>) replies.get(6);
        assertEquals(5, exec.size(), String.valueOf(exec));
        assertEquals(List.of(1L, "OK", 2L), exec.subList(0, 3));
        assertTrue(error(exec.get(3)).startsWith("WRONGTYPE"), "a command failing at run time gives its error in its place: " + exec);
        assertEquals("2", exec.get(4));
        assertEquals(1L, replies.get(7), "after EXEC the connection is out of the block");
        for (LocalRedis side : List.of(source, target)) {
            assertEquals("1", side.command("GET", "tx:n"), side.address());
            assertEquals("2", side.command("GET", "tx:s"), side.address());
        }
        List<String[]> exec0 = intents().stream().filter(r -> r[4].equalsIgnoreCase("exec")).toList();
        assertTrue(exec0.stream().anyMatch(r -> List.of(r).subList(5, r.length).stream().map(ProxyCommandsTest::key).toList()
                .containsAll(List.of("tx:n", "tx:s"))), "one intent names every key the block writes");
    }

    @Test
    void aMultiBlockSentCommandByCommandBehavesTheSame() throws Exception {
        try (RespConnection connection = app.connect()) {
            assertEquals("OK", connection.command("MULTI"));
            assertEquals("QUEUED", connection.command("SET", "tx:one", "a"));
            assertEquals("QUEUED", connection.command("APPEND", "tx:one", "b"));
            assertEquals(List.of("OK", 2L), connection.command("EXEC"));
            assertEquals("ab", connection.command("GET", "tx:one"));
            assertEquals("ERR EXEC without MULTI", error(connection.command("EXEC")));
            assertEquals("ERR DISCARD without MULTI", error(connection.command("DISCARD")));
            assertEquals("OK", connection.command("MULTI"));
            assertEquals("ERR MULTI calls can not be nested", error(connection.command("MULTI")));
            assertEquals("QUEUED", connection.command("SET", "tx:discarded", "1"));
            assertEquals("OK", connection.command("DISCARD"));
            assertEquals("OK", connection.command("SELECT", "2"));
            assertEquals("OK", connection.command("MULTI"));
            assertEquals("QUEUED", connection.command("SET", "tx:db2", "2"));
            assertEquals(List.of("OK"), connection.command("EXEC"));
        }
        for (LocalRedis side : List.of(source, target)) {
            assertEquals(0L, side.command("EXISTS", "tx:discarded"), "a discarded block runs nothing on " + side.address());
            assertEquals("ab", side.command("GET", "tx:one"));
            assertEquals(List.of("OK", "2"), side.pipeline(List.of(List.of("SELECT", "2"), List.of("GET", "tx:db2"))),
                    "a block runs on the connection's database");
        }
    }

    @Test
    void aCommandRefusedWhileQueuingAbortsTheWholeBlock() throws Exception {
        List<Object> replies = app.pipeline(List.of(List.of("MULTI"), List.of("SET", "tx:a", "1"), List.of("NOSUCHCOMMAND", "x"),
                List.of("SUBSCRIBE", "ch"), List.of("EXEC"), List.of("INCR", "tx:after-abort")));
        assertEquals("QUEUED", replies.get(1));
        assertTrue(error(replies.get(2)).contains("unknown command"), String.valueOf(replies.get(2)));
        assertTrue(error(replies.get(3)).contains("SUBSCRIBE inside MULTI refused"), String.valueOf(replies.get(3)));
        assertTrue(error(replies.get(4)).startsWith("EXECABORT"), String.valueOf(replies.get(4)));
        assertEquals(1L, replies.get(5));
        for (LocalRedis side : List.of(source, target)) {
            assertEquals(0L, side.command("EXISTS", "tx:a"), "no command of the aborted block ran on " + side.address());
        }
        assertTrue(intents().stream().noneMatch(r -> r.length > 5 && List.of(r).subList(5, r.length).stream()
                .map(ProxyCommandsTest::key).anyMatch(k -> k.equals("tx:a"))), "an aborted block is not journaled");
    }

    @Test
    void watchAbortsABlockWhenAWatchedKeyChangedAndRunsItWhenNot() throws Exception {
        app.command("SET", "w:k", "0");
        try (RespConnection watcher = app.connect(); RespConnection other = app.connect()) {
            assertEquals("OK", watcher.command("WATCH", "w:k", "w:absent"));
            assertEquals("OK", other.command("SET", "w:k", "theirs"));
            assertEquals("OK", watcher.command("MULTI"));
            assertEquals("QUEUED", watcher.command("SET", "w:k", "mine"));
            assertEquals(null, watcher.command("EXEC"), "a watched key changed: EXEC answers a null array and runs nothing");

            assertEquals("OK", watcher.command("WATCH", "w:k"));
            assertEquals("OK", watcher.command("MULTI"));
            assertEquals("QUEUED", watcher.command("APPEND", "w:k", "+mine"));
            assertEquals(List.of(11L), watcher.command("EXEC"), "nothing changed: the block runs");

            assertEquals("OK", watcher.command("WATCH", "w:absent"));
            assertEquals("OK", other.command("SET", "w:absent", "now here"));
            assertEquals("OK", watcher.command("UNWATCH"));
            assertEquals("OK", watcher.command("MULTI"));
            assertEquals("QUEUED", watcher.command("DEL", "w:absent"));
            assertEquals(List.of(1L), watcher.command("EXEC"), "UNWATCH forgets the watched keys");

            assertEquals("OK", watcher.command("WATCH", "w:k"));
            other.command("EXPIRE", "w:k", "1000");
            assertEquals("OK", watcher.command("MULTI"));
            assertEquals("QUEUED", watcher.command("GET", "w:k"));
            assertEquals(null, watcher.command("EXEC"), "a new expiry on a watched key aborts the block too");
        }
        for (LocalRedis side : List.of(source, target)) {
            assertEquals("theirs+mine", side.command("GET", "w:k"), side.address());
        }
        List<Object> oneWrite = app.pipeline(List.of(List.of("WATCH", "w:k"), List.of("MULTI"), List.of("SET", "w:k", "x"), List.of("EXEC")));
        assertEquals(java.util.Arrays.asList("OK", "OK", "QUEUED", null), oneWrite,
                "WATCH and its EXEC in one write: the digests are not back when EXEC is read, so the block is aborted, never run unchecked");
        assertEquals("theirs+mine", source.command("GET", "w:k"));
    }

    @Test
    void optimisticIncrementsWithWatchLoseNoUpdate() throws Exception {
        app.command("SET", "w:counter", "0");
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
        try {
            List<java.util.concurrent.Future<Integer>> clients = new java.util.ArrayList<>();
            for (int c = 0; c < 3; c++) {
                clients.add(pool.submit(() -> {
                    int retries = 0;
                    try (RespConnection connection = app.connect()) {
                        for (int i = 0; i < 100; i++) {
                            while (true) {
                                connection.command("WATCH", "w:counter");
                                long value = Long.parseLong(String.valueOf(connection.command("GET", "w:counter")));
                                connection.command("MULTI");
                                connection.command("SET", "w:counter", String.valueOf(value + 1));
                                if (connection.command("EXEC") != null) {
                                    break;
                                }
                                retries++;
                            }
                        }
                    }
                    return retries;
                }));
            }
            int retries = 0;
            for (java.util.concurrent.Future<Integer> client : clients) {
                retries += client.get(120, TimeUnit.SECONDS);
            }
            assertEquals("300", source.command("GET", "w:counter"), "every increment kept (" + retries + " retries after a conflict)");
            // the mirror runs each block with the same check: equal digests (same server version), so it applied each one too
            assertEquals("300", target.command("GET", "w:counter"));
            assertTrue(retries > 0, "the clients did conflict, so WATCH was exercised");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void noReaderEverSeesHalfABlock() throws Exception {
        source.command("SET", "tx:pair", "0");
        java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
        try {
            List<java.util.concurrent.Future<Integer>> writers = new java.util.ArrayList<>();
            for (int w = 0; w < 2; w++) {
                writers.add(pool.submit(() -> {
                    try (RespConnection connection = app.connect()) {
                        for (int i = 0; i < 300; i++) {
                            connection.command("MULTI");
                            connection.command("INCR", "tx:pair");
                            connection.command("INCR", "tx:pair");
                            connection.command("EXEC");
                        }
                    }
                    return 300;
                }));
            }
            java.util.concurrent.Future<List<Long>> reader = pool.submit(() -> {
                List<Long> odd = new java.util.ArrayList<>();
                try (RespConnection connection = app.connect()) {
                    while (writing.get()) {
                        long value = Long.parseLong(String.valueOf(connection.command("GET", "tx:pair")));
                        if (value % 2 != 0) {
                            odd.add(value);
                        }
                    }
                }
                return odd;
            });
            for (java.util.concurrent.Future<Integer> writer : writers) {
                writer.get(60, TimeUnit.SECONDS);
            }
            writing.set(false);
            assertEquals(List.of(), reader.get(60, TimeUnit.SECONDS), "values read between the two INCRs of a block");
        } finally {
            pool.shutdownNow();
        }
        assertEquals("1200", source.command("GET", "tx:pair"));
        assertEquals("1200", target.command("GET", "tx:pair"), "every block was mirrored");
    }

    @Test
    void helloThreeSwitchesTheRepliesToRespThreeAsRedisSendsThem() throws Exception {
        app.pipeline(List.of(List.of("DEL", "r3:h", "r3:z", "r3:s", "r3:n"), List.of("HSET", "r3:h", "f", "v"), List.of("ZADD", "r3:z", "1.5", "m"),
                List.of("SADD", "r3:s", "x")));
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(resp(List.of(List.of("AUTH", SOURCE_PASSWORD), List.of("GET", "r3:none"), List.of("HELLO", "3"),
                    List.of("GET", "r3:none"), List.of("HGETALL", "r3:h"), List.of("ZSCORE", "r3:z", "m"),
                    List.of("ZRANGE", "r3:z", "0", "-1", "WITHSCORES"), List.of("SMEMBERS", "r3:s"), List.of("INCR", "r3:n"),
                    List.of("HELLO", "2"), List.of("GET", "r3:none"), List.of("QUIT"))));
            String answered = readToEnd(socket.getInputStream());
            String hello3 = answered.substring(answered.indexOf("%7\r\n"));
            assertTrue(answered.startsWith("+OK\r\n$-1\r\n%7\r\n$6\r\nserver\r\n"), "RESP2 until HELLO 3, whose reply is a map: " + answered);
            assertTrue(hello3.contains("$5\r\nproto\r\n:3\r\n"), answered);
            assertTrue(answered.contains("*0\r\n_\r\n%1\r\n$1\r\nf\r\n$1\r\nv\r\n,1.5\r\n*1\r\n*2\r\n$1\r\nm\r\n,1.5\r\n~1\r\n$1\r\nx\r\n:1\r\n"),
                    "null, map, double, scored pairs, set, integer in RESP3: " + answered);
            String afterHello2 = answered.substring(answered.lastIndexOf("*14\r\n"));
            assertTrue(afterHello2.contains("$5\r\nproto\r\n:2\r\n") && afterHello2.endsWith("*0\r\n$-1\r\n+OK\r\n"),
                    "HELLO 2 goes back to RESP2 (its reply an array, then a $-1 null): " + answered);
        }
    }

    @Test
    void quitAnswersOkAfterEveryOwedReplyThenCloses() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(resp(List.of(List.of("AUTH", SOURCE_PASSWORD), List.of("SET", "quit:k", "1"),
                    List.of("GET", "quit:k"), List.of("QUIT"), List.of("SET", "quit:k", "2"))));
            String answered = readToEnd(socket.getInputStream());
            assertEquals("+OK\r\n+OK\r\n$1\r\n1\r\n+OK\r\n", answered, "every owed reply, +OK, then the connection closes");
        }
        assertEquals("1", source.command("GET", "quit:k"), "nothing after QUIT ran");
    }

    private static String error(Object reply) {
        assertTrue(reply instanceof RespConnection.Error, "an error reply: " + reply);
        return ((RespConnection.Error) reply).message();
    }

    private static List<String[]> intents() throws IOException {
        List<String[]> records = new ArrayList<>();
        try (Stream<Path> files = Files.list(home.resolve("wal"))) {
            for (Path file : files.filter(f -> f.getFileName().toString().startsWith("journal-")).sorted().toList()) {
                for (String line : Files.readAllLines(file)) {
                    if (line.startsWith("I ")) {
                        records.add(line.split(" "));
                    }
                }
            }
        }
        return records;
    }

    private static String key(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }

    private static byte[] resp(List<List<String>> commands) {
        StringBuilder out = new StringBuilder();
        for (List<String> command : commands) {
            out.append('*').append(command.size()).append("\r\n");
            for (String arg : command) {
                out.append('$').append(arg.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(arg).append("\r\n");
            }
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String readToEnd(InputStream in) throws IOException {
        ByteArrayOutputStream read = new ByteArrayOutputStream();
        in.transferTo(read);
        return read.toString(StandardCharsets.UTF_8);
    }
}
