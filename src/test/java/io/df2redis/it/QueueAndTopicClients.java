package io.df2redis.it;

import io.df2redis.contract.resp.RespClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;

/**
 * Applications that rely on what a proxy easily breaks, through the proxy, with their clients'
 * defaults: a producer pushing jobs and two consumers taking them with {@code BRPOP}, a publisher
 * and a subscriber (Jedis); optimistic increments with {@code WATCH}/{@code MULTI}, plain
 * transactions and {@code EVALSHA} of a script loaded through the proxy (Jedis); and increments
 * under a Redisson lock from two clients (its lock waits on pub/sub). Each job must be taken and
 * each message received exactly once, in order; every acknowledged increment must be in the
 * counters, no transaction half applied.
 */
final class QueueAndTopicClients implements AutoCloseable {

    private final int port;
    private final AtomicBoolean producing = new AtomicBoolean(true);
    private final AtomicLong pushed = new AtomicLong();
    private final AtomicLong published = new AtomicLong();
    private final List<String> taken = new CopyOnWriteArrayList<>();
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final List<Long> receiversPerMessage = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong watchedIncrements = new AtomicLong();
    private final AtomicLong transactions = new AtomicLong();
    private final AtomicLong scriptIncrements = new AtomicLong();
    private final AtomicLong lockedIncrements = new AtomicLong();
    private final AtomicLong undeclaredIncrements = new AtomicLong();
    private final AtomicLong streamAdded = new AtomicLong();
    private final java.util.Set<String> streamAcked = ConcurrentHashMap.newKeySet();
    private final AtomicLong streamAckedTwice = new AtomicLong();
    private final List<org.redisson.api.RedissonClient> redissons = new CopyOnWriteArrayList<>();
    private static final String INCR_SCRIPT = "return redis.call('INCR', KEYS[1])";
    private final CountDownLatch subscribed = new CountDownLatch(1);
    private final CountDownLatch groupCreated = new CountDownLatch(1);
    private final JedisPubSub listener = new JedisPubSub() {
        @Override
        public void onMessage(String channel, String message) {
            received.add(message);
        }

        @Override
        public void onSubscribe(String channel, int count) {
            subscribed.countDown();
        }
    };

    QueueAndTopicClients(int port) {
        this.port = port;
    }

    void start() throws InterruptedException {
        thread("subscriber", () -> {
            try (Jedis jedis = new Jedis("127.0.0.1", port)) {
                jedis.subscribe(listener, "it:news");
            }
        });
        if (!subscribed.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the subscriber did not subscribe through the proxy");
        }
        for (int c = 0; c < 2; c++) {
            thread("consumer-" + c, () -> {
                try (Jedis jedis = new Jedis("127.0.0.1", port)) {
                    while (true) {
                        List<String> popped = jedis.brpop(1, "it:jobs");
                        if (popped != null) {
                            taken.add(popped.get(1));
                        } else if (!producing.get()) {
                            return;
                        }
                    }
                }
            });
        }
        thread("watcher", () -> {
            try (Jedis jedis = new Jedis("127.0.0.1", port)) {
                while (producing.get()) {
                    jedis.watch("it:watched");
                    long value = Long.parseLong(java.util.Objects.requireNonNullElse(jedis.get("it:watched"), "0"));
                    redis.clients.jedis.Transaction multi = jedis.multi();
                    multi.set("it:watched", Long.toString(value + 1));
                    if (multi.exec() != null) {
                        watchedIncrements.incrementAndGet();
                    }
                    Thread.sleep(15);
                }
            }
        });
        thread("transactions", () -> {
            try (Jedis jedis = new Jedis("127.0.0.1", port)) {
                while (producing.get()) {
                    String n = Long.toString(transactions.get() + 1);
                    redis.clients.jedis.Transaction multi = jedis.multi();
                    multi.set("it:tx:a", n);
                    multi.set("it:tx:b", n);
                    multi.exec();
                    transactions.incrementAndGet();
                    Thread.sleep(15);
                }
            }
        });
        thread("scripts", () -> {
            try (Jedis jedis = new Jedis("127.0.0.1", port)) {
                String sha = jedis.scriptLoad(INCR_SCRIPT);
                while (producing.get()) {
                    jedis.evalsha(sha, List.of("it:script"), List.of());
                    scriptIncrements.incrementAndGet();
                    Thread.sleep(15);
                }
            }
        });
        thread("undeclared", () -> {
            try (Jedis jedis = new Jedis("127.0.0.1", port)) {
                while (producing.get()) {
                    // writes a key it does not declare (Redis allows it): each run forces a full verify pass
                    jedis.eval("return redis.call('INCR', 'it:undeclared')", 0);
                    undeclaredIncrements.incrementAndGet();
                    Thread.sleep(50);
                }
            }
        });
        thread("stream-producer", () -> {
            try (Jedis jedis = new Jedis("127.0.0.1", port)) {
                jedis.xgroupCreate("it:stream", "workers", new redis.clients.jedis.StreamEntryID(0, 0), true);
                groupCreated.countDown();
                while (producing.get()) {
                    jedis.xadd("it:stream", redis.clients.jedis.params.XAddParams.xAddParams(), java.util.Map.of("n", Long.toString(streamAdded.get())));
                    streamAdded.incrementAndGet();
                    Thread.sleep(15);
                }
            }
        });
        if (!groupCreated.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the consumer group was not created through the proxy");
        }
        thread("stream-consumer", () -> {
            try (Jedis jedis = new Jedis("127.0.0.1", port)) {
                while (true) {
                    List<java.util.Map.Entry<String, List<redis.clients.jedis.resps.StreamEntry>>> read = jedis.xreadGroup("workers", "w1",
                            redis.clients.jedis.params.XReadGroupParams.xReadGroupParams().count(50).block(1000),
                            java.util.Map.of("it:stream", redis.clients.jedis.StreamEntryID.UNRECEIVED_ENTRY));
                    if (read == null || read.isEmpty() || read.get(0).getValue().isEmpty()) {
                        if (!producing.get()) {
                            return;
                        }
                        continue;
                    }
                    for (redis.clients.jedis.resps.StreamEntry entry : read.get(0).getValue()) {
                        jedis.xack("it:stream", "workers", entry.getID());
                        if (!streamAcked.add(entry.getFields().get("n"))) {
                            streamAckedTwice.incrementAndGet();
                        }
                    }
                }
            }
        });
        for (int c = 0; c < 2; c++) {
            org.redisson.config.Config config = new org.redisson.config.Config();
            config.useSingleServer().setAddress("redis://127.0.0.1:" + port);
            org.redisson.api.RedissonClient redisson = org.redisson.Redisson.create(config);
            redissons.add(redisson);
            thread("locker-" + c, () -> {
                try (Jedis jedis = new Jedis("127.0.0.1", port)) {
                    org.redisson.api.RLock lock = redisson.getLock("it:lock");
                    while (producing.get()) {
                        if (lock.tryLock(10, 5, TimeUnit.SECONDS)) {
                            try {
                                // read, then write: only the lock keeps two clients from losing an increment
                                long value = Long.parseLong(java.util.Objects.requireNonNullElse(jedis.get("it:locked"), "0"));
                                jedis.set("it:locked", Long.toString(value + 1));
                                lockedIncrements.incrementAndGet();
                            } finally {
                                lock.unlock();
                            }
                        }
                        Thread.sleep(10);
                    }
                }
            });
        }
        thread("producer", () -> {
            try (Jedis jedis = new Jedis("127.0.0.1", port)) {
                while (producing.get()) {
                    long n = pushed.get();
                    jedis.lpush("it:jobs", "job-" + n);
                    pushed.incrementAndGet();
                    receiversPerMessage.add(jedis.publish("it:news", "m" + published.getAndIncrement()));
                    Thread.sleep(10);
                }
            }
        });
    }

    private void thread(String name, ThrowingRunnable body) {
        Thread thread = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failures.add(name + ": " + e);
            }
        }, "it-" + name);
        thread.setDaemon(true);
        thread.start();
        threads.add(thread);
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** Stops producing and waits until the consumers found the queue empty and the messages arrived. */
    void stop() throws InterruptedException {
        producing.set(false);
        long deadline = System.currentTimeMillis() + 20_000;
        while (received.size() < published.get() && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        listener.unsubscribe();
        for (Thread thread : threads) {
            thread.join(20_000);
        }
        redissons.forEach(org.redisson.api.RedissonClient::shutdown);
    }

    /**
     * What the counters and transactions should hold, against what {@code side} holds: empty when
     * every acknowledged increment is there and no transaction was half applied.
     */
    List<String> countersNotMatching(RespClient side) throws java.io.IOException {
        List<String> wrong = new ArrayList<>();
        expect(wrong, side, "it:watched", watchedIncrements.get());
        expect(wrong, side, "it:script", scriptIncrements.get());
        expect(wrong, side, "it:locked", lockedIncrements.get());
        expect(wrong, side, "it:tx:a", transactions.get());
        expect(wrong, side, "it:tx:b", transactions.get());
        expect(wrong, side, "it:undeclared", undeclaredIncrements.get());
        return wrong;
    }

    /** Stream entries not read and acknowledged exactly once by the group (empty when each was). */
    List<String> streamEntriesNotAckedOnce() {
        List<String> wrong = new ArrayList<>();
        for (long n = 0; n < streamAdded.get(); n++) {
            if (!streamAcked.contains(Long.toString(n))) {
                wrong.add("entry " + n + " never delivered to the group");
            }
        }
        if (streamAckedTwice.get() > 0) {
            wrong.add(streamAckedTwice.get() + " entries delivered twice");
        }
        return wrong;
    }

    private static void expect(List<String> wrong, RespClient side, String key, long expected) throws java.io.IOException {
        Object value = side.command("GET", key);
        if (!String.valueOf(expected).equals(String.valueOf(value))) {
            wrong.add(key + " holds " + value + ", " + expected + " acknowledged");
        }
    }

    long pushed() {
        return pushed.get();
    }

    List<String> failures() {
        return failures;
    }

    /** Jobs not taken, or taken more than once (empty when each was taken exactly once). */
    List<String> jobsNotTakenExactlyOnce() {
        ConcurrentHashMap<String, Integer> counts = new ConcurrentHashMap<>();
        taken.forEach(job -> counts.merge(job, 1, Integer::sum));
        List<String> wrong = new ArrayList<>();
        for (long n = 0; n < pushed.get(); n++) {
            int count = counts.getOrDefault("job-" + n, 0);
            if (count != 1) {
                wrong.add("job-" + n + " x" + count);
            }
        }
        return wrong;
    }

    /** Messages missing, repeated or out of order (empty when each arrived once, in order). */
    List<String> messagesNotReceivedOnceInOrder() {
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < Math.max(received.size(), published.get()); i++) {
            String expected = i < published.get() ? "m" + i : "(none)";
            String got = i < received.size() ? received.get(i) : "(none)";
            if (!expected.equals(got)) {
                wrong.add("#" + i + " expected " + expected + " got " + got);
                if (wrong.size() > 10) {
                    break;
                }
            }
        }
        return wrong;
    }

    /** How many PUBLISHes did not reach exactly one subscriber. */
    long publishesNotReachingOneSubscriber() {
        return receiversPerMessage.stream().filter(n -> n != 1L).count();
    }

    String summary() {
        return pushed.get() + " jobs pushed, " + taken.size() + " taken; " + published.get() + " messages published, "
                + received.size() + " received; " + watchedIncrements.get() + " WATCH increments, " + transactions.get()
                + " transactions, " + scriptIncrements.get() + " EVALSHA increments, " + lockedIncrements.get()
                + " increments under a Redisson lock, " + undeclaredIncrements.get() + " increments of an undeclared key by a script, "
                + streamAdded.get() + " stream entries added, " + streamAcked.size() + " read and acknowledged by a consumer group";
    }

    @Override
    public void close() throws InterruptedException {
        if (producing.get()) {
            stop();
        }
    }
}
