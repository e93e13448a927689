package io.df2redis.testing;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.JedisPubSub;

/** A Jedis subscriber that keeps the messages it receives, in order, and says when its first subscription is on. */
public final class RecordingSubscriber extends JedisPubSub {

    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    private final CountDownLatch subscribed = new CountDownLatch(1);

    @Override
    public void onMessage(String channel, String message) {
        received.add(message);
    }

    @Override
    public void onSubscribe(String channel, int count) {
        subscribed.countDown();
    }

    /** Whether the subscription was confirmed within {@code seconds}. */
    public boolean awaitSubscribed(long seconds) throws InterruptedException {
        return subscribed.await(seconds, TimeUnit.SECONDS);
    }

    /** The next message, or null when none came within {@code millis}. */
    public String next(long millis) throws InterruptedException {
        return received.poll(millis, TimeUnit.MILLISECONDS);
    }
}
