package io.df2redis.resp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.df2redis.local.LocalRedis;
import io.df2redis.testing.ScriptedServer;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared SCAN loop: every key once, page by page, and no endless loop on a cursor that never advances. */
class KeyScanTest {

    @TempDir
    static Path home;
    static LocalRedis server;
    static Vertx vertx;

    @BeforeAll
    static void start() throws Exception {
        server = LocalRedis.start(home.resolve("server"), Optional.empty());
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() {
        server.close();
        vertx.closeAndAwait();
    }

    @Test
    void everyMatchingKeyComesOnceInPagesInOrder() throws Exception {
        for (int i = 0; i < 2500; i++) {
            server.command("SET", "scan:wanted:" + i, "v");
        }
        for (int i = 0; i < 40; i++) {
            server.command("SET", "scan:other:" + i, "v");
        }
        List<byte[]> seen = new ArrayList<>();
        AtomicInteger pages = new AtomicInteger();
        try (RedisSide side = side(server.address())) {
            KeyScan.pages(side, 0, "scan:wanted:*", 100, (connection, page) -> {
                pages.incrementAndGet();
                seen.addAll(page);
                return Uni.createFrom().voidItem();
            }).await().atMost(Duration.ofSeconds(30));
        }
        Set<String> distinct = new HashSet<>();
        seen.forEach(key -> distinct.add(new String(key, StandardCharsets.UTF_8)));
        assertEquals(2500, distinct.size(), "every wanted key");
        assertTrue(distinct.stream().allMatch(key -> key.startsWith("scan:wanted:")), "only the wanted keys");
        assertTrue(pages.get() > 10, "several pages: " + pages.get());
    }

    /** A sample costs its size: DBSIZE and that share of RANDOMKEYs in batches, no SCAN; each key handed on once. */
    @Test
    void aSampleAsksForItsShareOfTheKeysWithoutWalkingThem() throws Exception {
        List<List<String>> writes = new ArrayList<>();
        writes.add(List.of("SELECT", "3"));
        for (int i = 0; i < 4000; i++) {
            writes.add(List.of("SET", "sample:" + i, "v"));
        }
        server.pipeline(writes);
        server.command("CONFIG", "RESETSTAT");
        List<String> seen = new ArrayList<>();
        AtomicInteger pages = new AtomicInteger();
        try (RedisSide side = side(server.address())) {
            KeyScan.sample(side, 3, 0.05, 50, page -> {
                pages.incrementAndGet();
                page.forEach(key -> seen.add(new String(key, StandardCharsets.UTF_8)));
                return Uni.createFrom().voidItem();
            }).await().atMost(Duration.ofSeconds(30));
        }
        String stats = String.valueOf(server.command("INFO", "commandstats"));
        assertTrue(stats.contains("cmdstat_randomkey:calls=200,"), stats);
        assertTrue(!stats.contains("cmdstat_scan"), "no walk: " + stats);
        assertEquals(seen.size(), new HashSet<>(seen).size(), "each key handed on once");
        assertTrue(seen.size() > 150 && seen.stream().allMatch(k -> k.startsWith("sample:")), seen.size() + " keys of db 3");
        assertTrue(pages.get() >= 4, "in batches of at most 50: " + pages.get());
    }

    @Test
    void emptyPagesAreNotHandedOnSoAHandlerCanSendItsKeysAsArguments() throws Exception {
        for (int i = 0; i < 2000; i++) {
            server.command("SET", "sparse:" + i, "v");
        }
        server.command("SET", "needle:1", "v");
        server.command("SET", "needle:2", "v");
        AtomicInteger emptyPages = new AtomicInteger();
        Set<String> found = new HashSet<>();
        try (RedisSide side = side(server.address())) {
            KeyScan.pages(side, 0, "needle:*", 10, (connection, page) -> {
                if (page.isEmpty()) {
                    emptyPages.incrementAndGet();
                }
                page.forEach(key -> found.add(new String(key, StandardCharsets.UTF_8)));
                return Uni.createFrom().voidItem();
            }).await().atMost(Duration.ofSeconds(30));
        }
        assertEquals(0, emptyPages.get(), "SCAN answers mostly empty pages here; none is handed on");
        assertEquals(Set.of("needle:1", "needle:2"), found, "both needles, and only them");
    }

    @Test
    void thePageHandlersConnectionIsOnTheScannedDatabase() throws Exception {
        try (RedisSide side = side(server.address())) {
            RedisConnection db3 = side.connect(3).await().atMost(Duration.ofSeconds(5));
            for (int i = 0; i < 300; i++) {
                side.send(db3, Request.cmd(Command.SET).arg("db3:" + i).arg("v"), "SET").await().atMost(Duration.ofSeconds(5));
            }
            KeyScan.pages(side, 3, null, 50, (connection, keys) -> {
                Request unlink = Request.cmd(Command.UNLINK);
                keys.forEach(unlink::arg);
                return side.send(connection, unlink, "UNLINK").replaceWithVoid();
            }).await().atMost(Duration.ofSeconds(30));
            assertEquals(0L, side.send(db3, Request.cmd(Command.DBSIZE), "DBSIZE").await().atMost(Duration.ofSeconds(5)).toLong(),
                    "the keys went from database 3, where they were scanned");
            db3.close().await().atMost(Duration.ofSeconds(5));
        }
    }

    @Test
    void aServerThatReturnsTheSameCursorForeverFailsTheScanWithItsAddress() throws Exception {
        try (StuckCursorServer stuck = new StuckCursorServer(); RedisSide side = side(stuck.address())) {
            IllegalStateException failed = assertThrows(IllegalStateException.class,
                    () -> KeyScan.pages(side, 0, null, 100, (connection, page) -> Uni.createFrom().voidItem())
                            .await().atMost(Duration.ofSeconds(30)));
            assertTrue(failed.getMessage().contains("does not advance"), failed.getMessage());
            assertTrue(failed.getMessage().contains(stuck.address()), failed.getMessage());
            assertEquals(1 + CursorGuard.MAX_REPEATED, stuck.scans.get(), "the first page, then the repeats it tolerates");
        }
    }

    private static RedisSide side(String address) {
        return new RedisSide(vertx, new RedisEndpoint("source", List.of(address), Optional.empty(), Optional.empty(), false, false),
                Duration.ofSeconds(5), 2);
    }

    /**
     * Replays the old Dragonfly bug: SCAN answers cursor 17 and one key whatever cursor it is given.
     * Other commands get an error (HELLO: the client falls back to RESP2) or OK.
     */
    private static final class StuckCursorServer extends ScriptedServer {
        final AtomicInteger scans = new AtomicInteger();

        StuckCursorServer() throws IOException {
            super("stuck-cursor-server");
            start();
        }

        @Override
        protected void serve(Socket client) {
            try (client; DataInputStream in = new DataInputStream(new BufferedInputStream(client.getInputStream()));
                    OutputStream out = client.getOutputStream()) {
                while (true) {
                    List<String> command = readCommand(in);
                    String name = command.get(0).toUpperCase();
                    String reply = switch (name) {
                        case "SCAN" -> {
                            scans.incrementAndGet();
                            yield "*2\r\n$2\r\n17\r\n*1\r\n$3\r\nkey\r\n";
                        }
                        case "HELLO" -> "-ERR unknown command 'HELLO'\r\n";
                        default -> "+OK\r\n";
                    };
                    out.write(reply.getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            } catch (IOException | RuntimeException e) {
                // the client went away
            }
        }

        private static List<String> readCommand(DataInputStream in) throws IOException {
            int count = Integer.parseInt(readLine(in).substring(1));
            List<String> args = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int length = Integer.parseInt(readLine(in).substring(1));
                byte[] bytes = new byte[length];
                in.readFully(bytes);
                readLine(in);
                args.add(new String(bytes, StandardCharsets.UTF_8));
            }
            return args;
        }

        private static String readLine(DataInputStream in) throws IOException {
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    throw new IOException("closed");
                }
                if (c != '\r') {
                    line.append((char) c);
                }
            }
            return line.toString();
        }
    }
}
