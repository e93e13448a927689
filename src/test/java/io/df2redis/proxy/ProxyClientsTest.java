package io.df2redis.proxy;

import io.df2redis.contract.resp.RespConnection;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.df2redis.config.MigrationConfig.MultiWriteMode;
import io.df2redis.local.LocalRedis;
import io.df2redis.contract.resp.RespClient;
import io.df2redis.local.RespWire;
import io.df2redis.testing.TwoRedisResource;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.redisson.Redisson;
import org.redisson.api.RAtomicLong;
import org.redisson.api.RBucket;
import org.redisson.api.RMap;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;
import org.redisson.config.SingleServerConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.commands.JedisCommands;

/**
 * Applications' own Redis clients through the real proxy, in every route of a migration: Lettuce
 * (Spring's default), Jedis (pooled, plain, and with a client name) and Redisson, each built the way
 * their documentation's first example builds them, so each sends its own default handshake (HELLO,
 * CLIENT SETINFO, CLIENT SETNAME, AUTH, PING, often in one write). Each client writes keys of several
 * types, reads them back through the proxy, and both servers are checked directly for what the
 * route must have written to them. A raw socket also sends a pipeline of locally answered and
 * forwarded commands in one write.
 *
 * <p>The proxy asks for a password only when it is set to; the tests look (a read without AUTH)
 * and give the clients the source's password through their ordinary option when it does.
 */
@QuarkusTest
@QuarkusTestResource(TwoRedisResource.class)
@TestProfile(ProxyClientsTest.WithProxy.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ProxyClientsTest {

    static final int PROXY_PORT = freePort();
    static final int CONSOLE_PORT = freePort();
    static final String HOST = "127.0.0.1";

    /**
     * Only for clients whose default would let a hang last a minute or more (Lettuce: 60 s per
     * command, the connect's handshake included), and for the raw socket. Jedis (2 s) and Redisson
     * (3 s per attempt) keep theirs.
     */
    static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(5);
    /** How long a write the proxy answered after the first backend may take to reach the second. */
    static final Duration MIRROR_BOUND = Duration.ofSeconds(5);

    public static class WithProxy implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("df2redis.proxy.endpoint", HOST + ":" + PROXY_PORT,
                    "df2redis.proxy.consolePort", String.valueOf(CONSOLE_PORT),
                    "df2redis.proxy.heap", "192m",
                    "df2redis.proxy.restartBackoff", "200ms");
        }
    }

    /**
     * The phases of a migration in order, each with the route the service puts the proxy on and the
     * multi-write mode it runs in (from the first read batch on, a reply covers both sides).
     */
    enum Phase {
        /** Import and sync: writes to both, reads from the source. */
        IMPORT("import", RouteKind.DUAL_WRITE, 0, MultiWriteMode.FIRST_RESOURCE_ONLY, true),
        /** A read batch: writes to both, half the reads from the target. */
        READ_BATCH("read-batch", RouteKind.READ_SPLIT, 50, MultiWriteMode.ALL_RESOURCES_NO_CHECK, true),
        /** After the write cutover: the target first, the source mirrored, reads from the target. */
        FLIPPED("flipped", RouteKind.FLIPPED, 0, MultiWriteMode.ALL_RESOURCES_NO_CHECK, true),
        /** After cleanup: the target alone; the source is no longer written. */
        CLEANED_UP("cleaned-up", RouteKind.TARGET, 0, MultiWriteMode.ALL_RESOURCES_NO_CHECK, false);

        final String label;
        final RouteKind route;
        final int readPercent;
        final MultiWriteMode mode;
        final boolean writesSource;

        Phase(String label, RouteKind route, int readPercent, MultiWriteMode mode, boolean writesSource) {
            this.label = label;
            this.route = route;
            this.readPercent = readPercent;
            this.mode = mode;
            this.writesSource = writesSource;
        }

        @Override
        public String toString() {
            return label + " (route " + route.name().toLowerCase().replace('_', '-')
                    + (route == RouteKind.READ_SPLIT ? " " + readPercent + "%" : "") + ")";
        }
    }

    /** What the string-command clients write under a key prefix, as {@link #dump} shows it on a server. */
    static final Map<String, Object> DATASET = dataset();

    private static Map<String, Object> dataset() {
        Map<String, Object> keys = new LinkedHashMap<>();
        keys.put("str", "v1");
        keys.put("counter", "42");
        keys.put("hash", new TreeMap<>(Map.of("f1", "a", "f2", "b")));
        keys.put("list", List.of("x", "y", "z"));
        keys.put("set", List.of("m1", "m2"));
        keys.put("ttl", "t");
        return keys;
    }

    @Inject
    ProxySupervisor supervisor;
    @Inject
    ProxyControl control;

    /** The multi-write mode the running proxy was started in (the configured default at first). */
    private static MultiWriteMode mode = MultiWriteMode.FIRST_RESOURCE_ONLY;
    /** The password the proxy asks for, if it asks for one; set by {@link #enter}. */
    private Optional<String> auth = Optional.empty();

    /**
     * Lettuce as Spring Boot uses it by default: {@code RedisClient.create(uri).connect().sync()}.
     * <ol>
     * <li>for each phase (import, read batch, flipped, cleaned up), put the proxy on its route;</li>
     * <li>connect a new Lettuce client (its default handshake: HELLO, CLIENT SETINFO) and PING;</li>
     * <li>write a string, a counter, a hash, a list, a set and a key with a TTL, and read each back;</li>
     * <li>check the source and the target directly: each holds the values its route writes to it.</li>
     * </ol>
     */
    @Test
    void lettuceWithDefaultsWritesAndReadsInEveryPhase() throws Exception {
        for (Phase phase : Phase.values()) {
            enter(phase);
            String prefix = "lettuce:" + phase.label + ":";
            inPhase("Lettuce", phase, () -> {
                RedisURI.Builder uri = RedisURI.builder().withHost(HOST).withPort(PROXY_PORT)
                        // Lettuce's default timeout is 60 s, spent whole on a handshake that gets no reply.
                        .withTimeout(CLIENT_TIMEOUT);
                auth.ifPresent(password -> uri.withPassword(password.toCharArray()));
                RedisClient client = RedisClient.create(uri.build());
                try (StatefulRedisConnection<String, String> connection = client.connect()) {
                    RedisCommands<String, String> redis = connection.sync();
                    assertEquals("PONG", redis.ping());
                    assertEquals("OK", redis.set(prefix + "str", "v1"));
                    assertEquals(1L, redis.incr(prefix + "counter"));
                    assertEquals(42L, redis.incrby(prefix + "counter", 41));
                    assertEquals(2L, redis.hset(prefix + "hash", Map.of("f1", "a", "f2", "b")));
                    assertEquals(3L, redis.rpush(prefix + "list", "x", "y", "z"));
                    assertEquals(2L, redis.sadd(prefix + "set", "m1", "m2"));
                    assertEquals("OK", redis.setex(prefix + "ttl", 1000, "t"));

                    assertEquals("v1", redis.get(prefix + "str"));
                    assertEquals("42", redis.get(prefix + "counter"));
                    assertEquals(Map.of("f1", "a", "f2", "b"), redis.hgetall(prefix + "hash"));
                    assertEquals(List.of("x", "y", "z"), redis.lrange(prefix + "list", 0, -1));
                    assertEquals(Set.of("m1", "m2"), redis.smembers(prefix + "set"));
                    assertTrue(redis.ttl(prefix + "ttl") > 900, "the TTL read back");
                } finally {
                    client.shutdown();
                }
            });
            assertDatasetHeld(phase, prefix);
        }
    }

    /**
     * Jedis's pooled client with its defaults: {@code new JedisPooled(host, port)}.
     * <ol>
     * <li>for each phase, put the proxy on its route;</li>
     * <li>create a new JedisPooled (its connections send CLIENT SETINFO lib-name and lib-ver in one write);</li>
     * <li>write a string, a counter, a hash, a list, a set and a key with a TTL, and read each back;</li>
     * <li>check the source and the target directly.</li>
     * </ol>
     */
    @Test
    void jedisPooledWithDefaultsWritesAndReadsInEveryPhase() throws Exception {
        for (Phase phase : Phase.values()) {
            enter(phase);
            String prefix = "jedis-pooled:" + phase.label + ":";
            inPhase("JedisPooled", phase, () -> {
                try (JedisPooled redis = auth.isPresent() ? new JedisPooled(HOST, PROXY_PORT, null, auth.get())
                        : new JedisPooled(HOST, PROXY_PORT)) {
                    writeAndReadBack(redis, prefix);
                }
            });
            assertDatasetHeld(phase, prefix);
        }
    }

    /**
     * A plain Jedis connection with its defaults: {@code new Jedis(host, port)}.
     * <ol>
     * <li>for each phase, put the proxy on its route;</li>
     * <li>open a new Jedis and PING;</li>
     * <li>write a string, a counter, a hash, a list, a set and a key with a TTL, and read each back;</li>
     * <li>check the source and the target directly.</li>
     * </ol>
     */
    @Test
    void jedisWithDefaultsWritesAndReadsInEveryPhase() throws Exception {
        for (Phase phase : Phase.values()) {
            enter(phase);
            String prefix = "jedis:" + phase.label + ":";
            inPhase("Jedis", phase, () -> {
                try (Jedis redis = auth.isPresent()
                        ? new Jedis(new HostAndPort(HOST, PROXY_PORT), DefaultJedisClientConfig.builder().password(auth.get()).build())
                        : new Jedis(HOST, PROXY_PORT)) {
                    assertEquals("PONG", redis.ping());
                    writeAndReadBack(redis, prefix);
                }
            });
            assertDatasetHeld(phase, prefix);
        }
    }

    /**
     * Jedis with a client name, otherwise defaults: {@code DefaultJedisClientConfig.builder().clientName("app")}.
     * <ol>
     * <li>for each phase, put the proxy on its route;</li>
     * <li>open a new named Jedis (CLIENT SETNAME and CLIENT SETINFO in one write) and PING;</li>
     * <li>write a string, a counter, a hash, a list, a set and a key with a TTL, and read each back;</li>
     * <li>check the source and the target directly.</li>
     * </ol>
     */
    @Test
    void jedisWithAClientNameWritesAndReadsInEveryPhase() throws Exception {
        for (Phase phase : Phase.values()) {
            enter(phase);
            String prefix = "jedis-named:" + phase.label + ":";
            inPhase("Jedis with a client name", phase, () -> {
                DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder().clientName("app");
                auth.ifPresent(config::password);
                try (Jedis redis = new Jedis(new HostAndPort(HOST, PROXY_PORT), config.build())) {
                    assertEquals("PONG", redis.ping());
                    writeAndReadBack(redis, prefix);
                }
            });
            assertDatasetHeld(phase, prefix);
        }
    }

    /**
     * Redisson with its defaults: {@code Redisson.create(config)}, a single server and nothing else set
     * (its pool of connections, each checked with a PING at connect, and its default codec).
     * <ol>
     * <li>for each phase, put the proxy on its route;</li>
     * <li>create a new Redisson client;</li>
     * <li>set an RBucket, put two entries in an RMap, increment an RAtomicLong to 42, and read each back;</li>
     * <li>check the source and the target directly: the counter is 42, and the bucket and the map
     * (in Redisson's own encoding) are the same on both sides that the route writes.</li>
     * </ol>
     */
    @Test
    void redissonWithDefaultsWritesAndReadsInEveryPhase() throws Exception {
        for (Phase phase : Phase.values()) {
            enter(phase);
            String prefix = "redisson:" + phase.label + ":";
            inPhase("Redisson", phase, () -> {
                Config config = new Config();
                SingleServerConfig server = config.useSingleServer().setAddress("redis://" + HOST + ":" + PROXY_PORT);
                auth.ifPresent(server::setPassword);
                RedissonClient redisson = Redisson.create(config);
                try {
                    RBucket<String> bucket = redisson.getBucket(prefix + "bucket");
                    bucket.set("v1");
                    RMap<String, String> map = redisson.getMap(prefix + "map");
                    map.put("f1", "a");
                    map.put("f2", "b");
                    RAtomicLong counter = redisson.getAtomicLong(prefix + "counter");
                    assertEquals(1L, counter.incrementAndGet());
                    assertEquals(42L, counter.addAndGet(41));

                    assertEquals("v1", bucket.get());
                    assertEquals(Map.of("f1", "a", "f2", "b"), map.readAllMap());
                    assertEquals(42L, counter.get());
                } finally {
                    redisson.shutdown();
                }
            });
            await().atMost(MIRROR_BOUND).untilAsserted(() -> {
                for (LocalRedis side : writtenSides(phase)) {
                    assertEquals("42", side.command("GET", prefix + "counter"), name(side) + ": the counter, in phase " + phase);
                    assertEquals(2L, side.command("HLEN", prefix + "map"), name(side) + ": the map, in phase " + phase);
                    assertNotNull(side.command("GET", prefix + "bucket"), name(side) + ": the bucket, in phase " + phase);
                }
                if (phase.writesSource) {
                    for (String key : List.of("bucket", "map")) {
                        assertEquals(dump(TwoRedisResource.source(), prefix + key), dump(TwoRedisResource.target(), prefix + key),
                                "the same " + key + " on both sides, in phase " + phase);
                    }
                } else {
                    assertUnwritten(TwoRedisResource.source(), phase, prefix, List.of("bucket", "map", "counter"));
                }
            });
        }
    }

    /**
     * Transactions of each client, with its defaults: Jedis {@code multi()/exec()} and {@code watch()}, Lettuce
     * {@code multi()/exec()}, and Redisson's atomic batch (MULTI, the commands and EXEC in one write).
     * <ol>
     * <li>for each phase, put the proxy on its route;</li>
     * <li>each client runs a block that sets a string and increments a counter twice, and checks EXEC's replies;</li>
     * <li>check the sides the phase writes directly: each holds the block's result.</li>
     * </ol>
     */
    @Test
    void transactionsOfJedisLettuceAndRedissonRunAsOneBlockInEveryPhase() throws Exception {
        for (Phase phase : Phase.values()) {
            enter(phase);
            String prefix = "tx:" + phase.label + ":";
            inPhase("Jedis multi/exec", phase, () -> {
                try (Jedis redis = auth.isPresent()
                        ? new Jedis(new HostAndPort(HOST, PROXY_PORT), DefaultJedisClientConfig.builder().password(auth.get()).build())
                        : new Jedis(HOST, PROXY_PORT)) {
                    redis.clients.jedis.Transaction block = redis.multi();
                    block.set(prefix + "jedis:s", "v");
                    block.incr(prefix + "jedis:n");
                    block.incr(prefix + "jedis:n");
                    assertEquals(List.of("OK", 1L, 2L), block.exec());

                    assertEquals("OK", redis.watch(prefix + "jedis:s"));
                    redis.clients.jedis.Transaction unchanged = redis.multi();
                    unchanged.append(prefix + "jedis:s", "2");
                    assertEquals(List.of(2L), unchanged.exec(), "a watched key nobody changed: the block runs");
                    assertEquals("OK", redis.watch(prefix + "jedis:s"));
                    try (Jedis other = auth.isPresent()
                            ? new Jedis(new HostAndPort(HOST, PROXY_PORT), DefaultJedisClientConfig.builder().password(auth.get()).build())
                            : new Jedis(HOST, PROXY_PORT)) {
                        other.set(prefix + "jedis:s", "v");
                    }
                    redis.clients.jedis.Transaction changed = redis.multi();
                    changed.set(prefix + "jedis:s", "lost");
                    assertEquals(null, changed.exec(), "a watched key another client changed: EXEC answers null");
                }
            });
            inPhase("Lettuce multi/exec", phase, () -> {
                RedisURI.Builder uri = RedisURI.builder().withHost(HOST).withPort(PROXY_PORT).withTimeout(CLIENT_TIMEOUT);
                auth.ifPresent(password -> uri.withPassword(password.toCharArray()));
                RedisClient client = RedisClient.create(uri.build());
                try (StatefulRedisConnection<String, String> connection = client.connect()) {
                    RedisCommands<String, String> redis = connection.sync();
                    assertEquals("OK", redis.multi());
                    redis.set(prefix + "lettuce:s", "v");
                    redis.incr(prefix + "lettuce:n");
                    redis.incr(prefix + "lettuce:n");
                    io.lettuce.core.TransactionResult result = redis.exec();
                    assertTrue(!result.wasDiscarded(), "the block ran");
                    assertEquals(List.of("OK", 1L, 2L), result.stream().toList());
                } finally {
                    client.shutdown();
                }
            });
            inPhase("Redisson atomic batch", phase, () -> {
                Config config = new Config();
                SingleServerConfig server = config.useSingleServer().setAddress("redis://" + HOST + ":" + PROXY_PORT);
                auth.ifPresent(server::setPassword);
                RedissonClient redisson = Redisson.create(config);
                try {
                    org.redisson.api.RBatch batch = redisson.createBatch(org.redisson.api.BatchOptions.defaults()
                            .executionMode(org.redisson.api.BatchOptions.ExecutionMode.IN_MEMORY_ATOMIC));
                    batch.getAtomicLong(prefix + "redisson:n").incrementAndGetAsync();
                    batch.getAtomicLong(prefix + "redisson:n").incrementAndGetAsync();
                    assertEquals(List.of(1L, 2L), batch.execute().getResponses());
                } finally {
                    redisson.shutdown();
                }
            });
            await().atMost(MIRROR_BOUND).untilAsserted(() -> {
                for (LocalRedis side : writtenSides(phase)) {
                    for (String client : List.of("jedis", "lettuce", "redisson")) {
                        assertEquals("2", side.command("GET", prefix + client + ":n"), name(side) + ": " + client + "'s block, in phase " + phase);
                    }
                    assertEquals("v", side.command("GET", prefix + "jedis:s"), name(side) + ", in phase " + phase);
                }
            });
        }
    }

    /**
     * A raw socket, no client library: ten commands in one write, the locally answered ones (PING,
     * ECHO, CLIENT SETNAME, SELECT) between forwarded ones (SET, INCR, GET).
     * <ol>
     * <li>for each phase, put the proxy on its route and delete a, b and c on both servers;</li>
     * <li>connect (and AUTH in a write of its own if the proxy asks for a password);</li>
     * <li>send {@code PING, SET a 1, PING, ECHO hi, SET b 2, INCR c, CLIENT SETNAME x, GET b, SELECT 0, GET a}
     * in one write;</li>
     * <li>read ten replies, each within 5 s: PONG, OK, PONG, hi, OK, 1, OK, 2, OK, 1, in that order;</li>
     * <li>check the source and the target directly for a, b and c.</li>
     * </ol>
     */
    @Test
    void pipelinedLocalAndForwardedCommandsAreAllAnsweredInOrderInEveryPhase() throws Exception {
        List<List<String>> commands = List.of(List.of("PING"), List.of("SET", "a", "1"), List.of("PING"), List.of("ECHO", "hi"),
                List.of("SET", "b", "2"), List.of("INCR", "c"), List.of("CLIENT", "SETNAME", "x"), List.of("GET", "b"),
                List.of("SELECT", "0"), List.of("GET", "a"));
        List<Object> expected = List.of("PONG", "OK", "PONG", "hi", "OK", 1L, "OK", "2", "OK", "1");
        for (Phase phase : Phase.values()) {
            enter(phase);
            for (LocalRedis side : List.of(TwoRedisResource.source(), TwoRedisResource.target())) {
                side.command("DEL", "a", "b", "c");
            }
            inPhase("a raw socket", phase, () -> assertEquals(expected, sendInOneWrite(commands), "the replies, in order"));
            await().atMost(MIRROR_BOUND).untilAsserted(() -> {
                for (LocalRedis side : writtenSides(phase)) {
                    assertEquals(List.of("1", "2", "1"), side.pipeline(List.of(List.of("GET", "a"), List.of("GET", "b"), List.of("GET", "c"))),
                            name(side) + ": a, b and c, in phase " + phase);
                }
                if (!phase.writesSource) {
                    assertUnwritten(TwoRedisResource.source(), phase, "", List.of("a", "b", "c"));
                }
            });
        }
    }

    /** Sends the commands in one write and reads as many replies, failing with what came if one is late. */
    private List<Object> sendInOneWrite(List<List<String>> commands) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST, PROXY_PORT), (int) CLIENT_TIMEOUT.toMillis());
            socket.setSoTimeout((int) CLIENT_TIMEOUT.toMillis());
            socket.setTcpNoDelay(true);
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            if (auth.isPresent()) {
                ByteArrayOutputStream login = new ByteArrayOutputStream();
                RespWire.write(login, List.of("AUTH", auth.get()));
                out.write(login.toByteArray());
                out.flush();
                assertEquals("OK", RespWire.read(in), "AUTH");
            }
            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            for (List<String> command : commands) {
                RespWire.write(batch, command);
            }
            out.write(batch.toByteArray());
            out.flush();
            List<Object> replies = new ArrayList<>();
            for (int i = 0; i < commands.size(); i++) {
                try {
                    replies.add(RespWire.read(in));
                } catch (SocketTimeoutException e) {
                    throw new AssertionError("no reply to " + String.join(" ", commands.get(i)) + " within " + CLIENT_TIMEOUT.toSeconds()
                            + " s; the replies so far: " + replies, e);
                }
            }
            return replies;
        }
    }

    /** The writes and reads every Jedis client does; {@link #DATASET} is what they leave. */
    private static void writeAndReadBack(JedisCommands redis, String prefix) {
        assertEquals("OK", redis.set(prefix + "str", "v1"));
        assertEquals(1L, redis.incr(prefix + "counter"));
        assertEquals(42L, redis.incrBy(prefix + "counter", 41));
        assertEquals(2L, redis.hset(prefix + "hash", Map.of("f1", "a", "f2", "b")));
        assertEquals(3L, redis.rpush(prefix + "list", "x", "y", "z"));
        assertEquals(2L, redis.sadd(prefix + "set", "m1", "m2"));
        assertEquals("OK", redis.setex(prefix + "ttl", 1000, "t"));

        assertEquals("v1", redis.get(prefix + "str"));
        assertEquals("42", redis.get(prefix + "counter"));
        assertEquals(Map.of("f1", "a", "f2", "b"), redis.hgetAll(prefix + "hash"));
        assertEquals(List.of("x", "y", "z"), redis.lrange(prefix + "list", 0, -1));
        assertEquals(Set.of("m1", "m2"), redis.smembers(prefix + "set"));
        assertTrue(redis.ttl(prefix + "ttl") > 900, "the TTL read back");
    }

    /** Each server the phase's route writes holds {@link #DATASET} under the prefix; the others hold none of it. */
    private static void assertDatasetHeld(Phase phase, String prefix) {
        await().atMost(MIRROR_BOUND).untilAsserted(() -> {
            for (LocalRedis side : writtenSides(phase)) {
                for (Map.Entry<String, Object> key : DATASET.entrySet()) {
                    assertEquals(key.getValue(), dump(side, prefix + key.getKey()), name(side) + " holds " + prefix + key.getKey());
                }
                assertTrue((Long) side.command("TTL", prefix + "ttl") > 900, name(side) + ": the TTL of " + prefix + "ttl");
            }
            if (!phase.writesSource) {
                assertUnwritten(TwoRedisResource.source(), phase, prefix, DATASET.keySet());
            }
        });
    }

    private static void assertUnwritten(LocalRedis side, Phase phase, String prefix, Iterable<String> keys) throws IOException {
        for (String key : keys) {
            assertEquals(0L, side.command("EXISTS", prefix + key), name(side) + " is not written in phase " + phase + ": " + prefix + key);
        }
    }

    private static List<LocalRedis> writtenSides(Phase phase) {
        return phase.writesSource ? List.of(TwoRedisResource.source(), TwoRedisResource.target()) : List.of(TwoRedisResource.target());
    }

    private static String name(LocalRedis side) {
        return side == TwoRedisResource.source() ? "the source" : "the target";
    }

    /** A key's value by its type, comparable across servers ({@code set} members sorted). */
    private static Object dump(LocalRedis redis, String key) throws IOException {
        String type = (String) redis.command("TYPE", key);
        return switch (type) {
            case "string" -> redis.command("GET", key);
            case "hash" -> new TreeMap<>(pairs((List<?>) redis.command("HGETALL", key)));
            case "list" -> redis.command("LRANGE", key, "0", "-1");
            case "set" -> ((List<?>) redis.command("SMEMBERS", key)).stream().map(String::valueOf).sorted().toList();
            default -> type;
        };
    }

    private static Map<Object, Object> pairs(List<?> flat) {
        Map<Object, Object> map = new TreeMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            map.put(flat.get(i), flat.get(i + 1));
        }
        return map;
    }

    /**
     * Puts the proxy on the phase's route as the service would: started on dual-write at first,
     * switched to the phase's multi-write mode when it differs, then the route applied. Then looks
     * whether the proxy asks for a password.
     */
    private void enter(Phase phase) throws IOException {
        if (!supervisor.running()) {
            supervisor.start(RouteKind.DUAL_WRITE, false).await().atMost(Duration.ofSeconds(90));
        }
        if (mode != phase.mode) {
            control.switchMultiWriteMode(phase.mode).await().atMost(Duration.ofSeconds(30));
            mode = phase.mode;
        }
        control.applyRoute(phase.route, phase.readPercent).await().atMost(Duration.ofSeconds(10));
        // A command the proxy forwards: Camellia answers PING before it checks AUTH.
        Object probe = new RespClient(HOST, PROXY_PORT, Optional.empty()).command("EXISTS", "clients-test:auth-probe");
        if (probe instanceof RespConnection.Error error) {
            assertTrue(error.message().startsWith("NOAUTH"), "a read without AUTH: " + error.message());
            auth = Optional.of(TwoRedisResource.SOURCE_PASSWORD);
        } else {
            assertEquals(0L, probe, "a read without AUTH");
            auth = Optional.empty();
        }
    }

    interface Step {
        void run() throws Exception;
    }

    /** Runs a client's step, naming the client, the phase and the time taken in any failure. */
    private static void inPhase(String client, Phase phase, Step step) {
        long start = System.nanoTime();
        try {
            step.run();
        } catch (Throwable e) {
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            throw new AssertionError(client + " failed in phase " + phase + " after " + millis + " ms: " + e, e);
        }
    }

    private static int freePort() {
        try {
            return LocalRedis.freePort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
