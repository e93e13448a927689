package io.df2redis.proxy;

import io.df2redis.testing.RecordingSubscriber;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.df2redis.local.LocalRedis;
import io.df2redis.contract.resp.RespClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.redisson.Redisson;
import org.redisson.api.RLock;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;
import redis.clients.jedis.Jedis;

/**
 * Blocking commands and pub/sub through the real proxy, between a password-protected source and
 * target in dual-write, with the clients' default configurations (Jedis, Lettuce on RESP3,
 * Redisson). The migration's write flip is played the way the service plays it through the
 * console: fence on (hold), wait until nothing is in flight, copy what the drain would copy, switch
 * the route, fence off.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ProxyBlockingAndPubSubTest {

    private static final String SOURCE_PASSWORD = "src-pw";
    private static final String TARGET_PASSWORD = "tgt-pw";
    private static final String TOKEN = "links-test";

    private static Path home;
    private static LocalRedis source;
    private static LocalRedis target;
    private static ProxyJarUnderTest proxy;
    private static int port;
    private static RespClient app;

    @BeforeAll
    static void start() throws Exception {
        home = Files.createTempDirectory("df2redis-proxy-links-");
        source = LocalRedis.start(home.resolve("source"), Optional.of(SOURCE_PASSWORD));
        target = LocalRedis.start(home.resolve("target"), Optional.of(TARGET_PASSWORD));
        proxy = ProxyJarUnderTest.start(home, dualWrite(), TOKEN, "128m", "auth.password=" + SOURCE_PASSWORD);
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

    @AfterEach
    void backToDualWrite() throws Exception {
        console("/fence?state=off", "");
        console("/route", dualWrite());
    }

    @Test
    void aBlockingPopInAPipelineIsAnsweredInOrderAndJournaled() throws Exception {
        List<Object> replies = app.pipeline(List.of(List.of("RPUSH", "bq", "a"), List.of("BLPOP", "bq", "1"), List.of("PING"),
                List.of("GET", "bq:none"), List.of("BLPOP", "bq", "0.2"), List.of("ECHO", "after")));
        assertEquals(1L, replies.get(0));
        assertEquals(List.of("bq", "a"), replies.get(1));
        assertEquals("PONG", replies.get(2));
        assertEquals(null, replies.get(3));
        assertEquals(null, replies.get(4), "a pop that times out answers nil, in its place");
        assertEquals("after", replies.get(5));
        assertEquals(0L, source.command("EXISTS", "bq"), "the pop ran on the primary");
        assertTrue(journalNames().contains("blpop"), "the pop's key is journaled (the drain brings it to the target): " + journalNames());
    }

    @Test
    void aBlockedPopWaitsForAPushFromAnotherClient() throws Exception {
        try (Jedis consumer = jedis(); Jedis producer = jedis()) {
            List<String>[] popped = new List[1];
            Thread blocked = new Thread(() -> popped[0] = consumer.brpop(5, "wq"));
            blocked.start();
            Thread.sleep(300);
            producer.lpush("wq", "job-1");
            blocked.join(10_000);
            assertEquals(List.of("wq", "job-1"), popped[0]);
        }
    }

    /**
     * A client blocked for a long time never holds the drain back: its intent is committed before
     * it blocks (the drain then copies the key as it is), and what the pop took is journaled again
     * once it returns, before the client gets it.
     */
    @Test
    void aLongBlockedPopLeavesNoIntentWithoutCommitAndJournalsWhatItTook() throws Exception {
        try (Jedis consumer = jedis(); Jedis producer = jedis()) {
            List<String>[] popped = new List[1];
            Thread blocked = new Thread(() -> popped[0] = consumer.blpop(0, "longwait"));
            blocked.start();
            Thread.sleep(500);
            List<String[]> whileBlocked = journal();
            List<Long> intentsOfKey = intentSeqs(whileBlocked, "longwait");
            assertEquals(1, intentsOfKey.size(), "one intent for the blocked pop");
            assertTrue(commitSeqs(whileBlocked).containsAll(intentsOfKey), "the blocked pop's intent is committed, so the drain goes on");
            producer.rpush("longwait", "x");
            blocked.join(10_000);
            assertEquals(List.of("longwait", "x"), popped[0]);
            List<String[]> after = journal();
            List<Long> later = intentSeqs(after, "longwait");
            assertTrue(later.size() >= 3, "the push and what the pop took are journaled: " + later);
            assertTrue(commitSeqs(after).containsAll(later));
        }
    }

    /**
     * A producer and two BRPOP consumers across the write flip: every element is taken exactly
     * once, those pushed after the flip from the new primary.
     */
    @Test
    void aProducerAndBlockedConsumersAccountForEveryElementOnceAcrossTheFlip() throws Exception {
        int total = 600;
        List<String> taken = new CopyOnWriteArrayList<>();
        AtomicBoolean producing = new AtomicBoolean(true);
        List<Thread> consumers = new ArrayList<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        for (int c = 0; c < 2; c++) {
            Thread consumer = new Thread(() -> {
                try (Jedis jedis = jedis()) {
                    while (true) {
                        List<String> popped = jedis.brpop(1, "jobs");
                        if (popped != null) {
                            taken.add(popped.get(1));
                        } else if (!producing.get()) {
                            return;
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            consumer.start();
            consumers.add(consumer);
        }
        try (Jedis producer = jedis()) {
            for (int i = 0; i < total; i++) {
                producer.lpush("jobs", "job-" + i);
                if (i == total / 2) {
                    flip("jobs");
                }
                if (i % 50 == 0) {
                    Thread.sleep(20);
                }
            }
        }
        producing.set(false);
        for (Thread consumer : consumers) {
            consumer.join(30_000);
        }
        assertTrue(failures.isEmpty(), "consumers failed: " + failures);
        List<String> sorted = new ArrayList<>(taken);
        Collections.sort(sorted);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            expected.add("job-" + i);
        }
        Collections.sort(expected);
        assertEquals(expected, sorted, "every element taken exactly once");
        assertEquals(0L, target.command("LLEN", "jobs"), "the new primary's list is empty");
    }

    @Test
    void aPopBlockedForEverIsReleasedByTheFenceAndServedByTheNewPrimary() throws Exception {
        try (Jedis consumer = jedis(); Jedis producer = jedis()) {
            List<String>[] popped = new List[1];
            Thread blocked = new Thread(() -> popped[0] = consumer.blpop(0, "forever"));
            blocked.start();
            Thread.sleep(300);
            flip("forever");
            assertEquals(null, popped[0], "the released pop took nothing and is still waiting for the client");
            producer.rpush("forever", "after-flip");
            blocked.join(10_000);
            assertEquals(List.of("forever", "after-flip"), popped[0]);
            assertEquals(0L, target.command("EXISTS", "forever"), "popped on the new primary");
        }
    }

    /** A subscriber receives every message once, in order, across the flip; each PUBLISH reaches the one subscriber. */
    @Test
    void aSubscriberReceivesEveryMessageOnceAcrossTheFlip() throws Exception {
        RecordingSubscriber listener = new RecordingSubscriber();
        Jedis subscriberConnection = jedis();
        Thread subscriber = new Thread(() -> subscriberConnection.subscribe(listener, "news"));
        subscriber.start();
        assertTrue(listener.awaitSubscribed(10));
        List<Long> receivers = new ArrayList<>();
        try (Jedis publisher = jedis()) {
            for (int i = 0; i < 200; i++) {
                receivers.add(publisher.publish("news", "m" + i));
                if (i == 99) {
                    flip(null);
                }
            }
        }
        List<String> messages = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String message = listener.next(10_000);
            assertNotNull(message, "message " + i + " arrived (got " + messages + ")");
            messages.add(message);
        }
        for (int i = 0; i < 200; i++) {
            assertEquals("m" + i, messages.get(i));
        }
        assertEquals(null, listener.next(300), "nothing delivered twice");
        assertTrue(receivers.stream().allMatch(n -> n == 1L), "every PUBLISH reached exactly the one subscriber: " + receivers);
        listener.unsubscribe();
        subscriber.join(10_000);
        assertEquals("PONG", subscriberConnection.ping(), "after its last UNSUBSCRIBE the connection takes ordinary commands again");
        subscriberConnection.set("after-unsubscribe", "1");
        assertEquals("1", target.command("GET", "after-unsubscribe"));
        subscriberConnection.close();
    }

    /** Lettuce with its defaults speaks RESP3 (HELLO 3): messages come as pushes, a blocking pop works. */
    @Test
    void lettuceOnRespThreeSubscribesAndPops() throws Exception {
        RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(port)
                .withPassword(SOURCE_PASSWORD.toCharArray()).withTimeout(Duration.ofSeconds(5)).build());
        try (StatefulRedisPubSubConnection<String, String> subscriber = client.connectPubSub();
                StatefulRedisConnection<String, String> other = client.connect()) {
            BlockingQueue<String> received = new LinkedBlockingQueue<>();
            subscriber.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    received.add(channel + ":" + message);
                }

                @Override
                public void message(String pattern, String channel, String message) {
                    received.add(pattern + ">" + channel + ":" + message);
                }
            });
            subscriber.sync().subscribe("lc");
            subscriber.sync().psubscribe("lp.*");
            assertEquals(1L, other.sync().publish("lc", "hello"));
            assertEquals(1L, other.sync().publish("lp.x", "pattern"));
            assertEquals("lc:hello", received.poll(5, TimeUnit.SECONDS));
            assertEquals("lp.*>lp.x:pattern", received.poll(5, TimeUnit.SECONDS));
            assertEquals("PONG", subscriber.sync().ping());

            other.sync().rpush("lq", "v");
            assertEquals("v", other.sync().blpop(2, "lq").getValue());
            assertEquals(null, other.sync().blpop(0.2, "lq"), "a timed-out pop is nil on RESP3 too");
        } finally {
            client.shutdown();
        }
    }

    /** Redisson's lock waits for its unlock message over pub/sub; its topic delivers. */
    @Test
    void redissonLocksAndTopicsWork() throws Exception {
        Config config = new Config();
        config.useSingleServer().setAddress("redis://127.0.0.1:" + port).setPassword(SOURCE_PASSWORD);
        RedissonClient first = Redisson.create(config);
        RedissonClient second = Redisson.create(config);
        try {
            RTopic topic = second.getTopic("rt");
            BlockingQueue<String> received = new LinkedBlockingQueue<>();
            topic.addListener(String.class, (channel, message) -> received.add(message));
            assertEquals(1L, first.getTopic("rt").publish("ping-1"));
            assertEquals("ping-1", received.poll(5, TimeUnit.SECONDS));

            RLock held = first.getLock("rlock");
            held.lock();
            boolean[] acquired = new boolean[1];
            Thread waiter = new Thread(() -> {
                RLock lock = second.getLock("rlock");
                try {
                    acquired[0] = lock.tryLock(10, 5, TimeUnit.SECONDS);
                    if (acquired[0]) {
                        lock.unlock();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            waiter.start();
            Thread.sleep(300);
            held.unlock();
            waiter.join(15_000);
            assertTrue(acquired[0], "the second client got the lock once the first released it");
        } finally {
            first.shutdown();
            second.shutdown();
        }
    }

    @Test
    void blockingInsideMultiIsRefusedWithWhy() throws Exception {
        List<Object> replies = app.pipeline(List.of(List.of("MULTI"), List.of("BLPOP", "mq", "1"), List.of("EXEC")));
        assertTrue(String.valueOf(replies.get(1)).contains("BLPOP inside MULTI refused"), String.valueOf(replies.get(1)));
        assertTrue(String.valueOf(replies.get(2)).contains("EXECABORT"), String.valueOf(replies.get(2)));
    }

    // ---- the flip, as the service plays it ----

    /** The flip with the drain's copy of {@code key} (when given) while fenced. */
    private static void flip(String key) throws Exception {
        proxy.flip(flipped(), () -> {
            if (key != null) {
                // what the drain does for a journaled list: the target gets the primary's value
                target.command("DEL", key);
                @SuppressWarnings("unchecked")
                List<Object> items = (List<Object>) source.command("LRANGE", key, "0", "-1");
                if (!items.isEmpty()) {
                    List<String> push = new ArrayList<>(List.of("RPUSH", key));
                    items.forEach(item -> push.add(String.valueOf(item)));
                    target.command(push.toArray(new String[0]));
                }
            }
        });
    }

    private static String console(String path, String body) throws Exception {
        return proxy.console(path, body);
    }

    private static List<String> journalNames() throws Exception {
        return journal().stream().filter(r -> r[0].equals("I") && r.length > 4).map(r -> r[4].toLowerCase(java.util.Locale.ROOT)).toList();
    }

    /** The journal's records as fields: intents {@code I seq millis db name key…} (keys in base64), commits {@code C seq millis intentSeq ok}. */
    private static List<String[]> journal() throws Exception {
        List<String[]> records = new ArrayList<>();
        try (java.util.stream.Stream<Path> files = Files.list(home.resolve("wal"))) {
            for (Path file : files.sorted().toList()) {
                for (String line : Files.readAllLines(file)) {
                    if (!line.isBlank()) {
                        records.add(line.split(" "));
                    }
                }
            }
        }
        return records;
    }

    private static List<Long> intentSeqs(List<String[]> records, String key) {
        String encoded = java.util.Base64.getEncoder().encodeToString(key.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return records.stream().filter(r -> r[0].equals("I") && List.of(r).subList(5, r.length).contains(encoded))
                .map(r -> Long.parseLong(r[1])).toList();
    }

    private static List<Long> commitSeqs(List<String[]> records) {
        return records.stream().filter(r -> r[0].equals("C")).map(r -> Long.parseLong(r[3])).toList();
    }

    private static Jedis jedis() {
        Jedis jedis = new Jedis("127.0.0.1", port);
        jedis.auth(SOURCE_PASSWORD);
        return jedis;
    }

    private static String dualWrite() {
        return "{\"type\":\"simple\",\"operation\":{\"type\":\"rw_separate\",\"read\":\"redis://" + SOURCE_PASSWORD + "@" + source.address()
                + "\",\"write\":{\"type\":\"multi\",\"resources\":[\"redis://" + SOURCE_PASSWORD + "@" + source.address() + "\",\"redis://"
                + TARGET_PASSWORD + "@" + target.address() + "\"]}}}";
    }

    private static String flipped() {
        return "{\"type\":\"simple\",\"operation\":{\"type\":\"rw_separate\",\"read\":\"redis://" + TARGET_PASSWORD + "@" + target.address()
                + "\",\"write\":{\"type\":\"multi\",\"resources\":[\"redis://" + TARGET_PASSWORD + "@" + target.address() + "\",\"redis://"
                + SOURCE_PASSWORD + "@" + source.address() + "\"]}}}";
    }
}
