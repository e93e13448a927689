package io.df2redis.it;

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
 * Applications that rely on blocking pops and pub/sub, through the proxy, with Jedis's defaults:
 * a producer pushing jobs, two consumers taking them with {@code BRPOP}, a publisher, and a
 * subscriber. Each job must be taken exactly once and each message received exactly once, in order.
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
    private final CountDownLatch subscribed = new CountDownLatch(1);
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
                + received.size() + " received";
    }

    @Override
    public void close() throws InterruptedException {
        if (producing.get()) {
            stop();
        }
    }
}
