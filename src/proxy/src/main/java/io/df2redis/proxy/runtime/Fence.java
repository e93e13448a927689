package io.df2redis.proxy.runtime;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Holds or refuses new writes while the service flips the primary.
 *
 * <p>{@code hold} stops reading from every client connection (Netty auto-read off, applied on each
 * connection's own event loop before {@link #set} returns), so clients wait in TCP flow control
 * and no Netty thread is blocked: replies of writes already forwarded keep flowing, which lets the
 * in-flight count reach zero. Commands read before the fence went on pass normally and are counted
 * in flight. {@code reject} answers new writes at once with the configured error. Either way the
 * proxy lifts the fence by itself after {@code maxHoldMillis}, so a service that dies mid-cutover
 * cannot leave clients waiting for ever.
 */
final class Fence {

    private final long maxHoldMillis;
    private final ChannelGroup clients;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "df2redis-fence-timer");
        thread.setDaemon(true);
        return thread;
    });
    private volatile boolean on;
    private volatile String mode;
    private ScheduledFuture<?> autoLift;
    private long autoLifts;
    private volatile Runnable onRaised = () -> { };

    Fence(String mode, long maxHoldMillis, ChannelGroup clients) {
        this.mode = mode;
        this.maxHoldMillis = maxHoldMillis;
        this.clients = clients;
    }

    synchronized void set(boolean fenceOn, String newMode) {
        if (newMode != null) {
            mode = newMode;
        }
        if (autoLift != null) {
            autoLift.cancel(false);
            autoLift = null;
        }
        on = fenceOn;
        readClients(!(fenceOn && "hold".equals(mode)));
        if (fenceOn) {
            autoLift = timer.schedule(this::liftAfterMaxHold, maxHoldMillis, TimeUnit.MILLISECONDS);
            onRaised.run();
        }
        notifyAll();
    }

    /** Runs each time the fence goes on (blocked commands are released so that nothing stays in flight). */
    void whenRaised(Runnable listener) {
        onRaised = listener;
    }

    /** Waits until the fence is off (it lifts by itself after maxHold at the latest). */
    synchronized void awaitOff() throws InterruptedException {
        while (on) {
            wait(maxHoldMillis);
        }
    }

    /** True while new reads from clients are held (hold mode, fence on). */
    boolean holding() {
        return on && "hold".equals(mode);
    }

    private synchronized void liftAfterMaxHold() {
        if (on) {
            autoLifts++;
            System.err.println("df2redis-proxy: fence lifted after maxHold (" + maxHoldMillis + " ms) without a word from df2redis");
            on = false;
            readClients(true);
            notifyAll();
        }
    }

    /** Turns reading on or off on every client connection and waits until each event loop has done it. */
    private void readClients(boolean read) {
        List<Future<?>> applied = new ArrayList<>();
        for (Channel channel : clients) {
            applied.add(channel.eventLoop().submit(() -> channel.config().setAutoRead(read)));
        }
        for (Future<?> future : applied) {
            future.awaitUninterruptibly(1000);
        }
    }

    /** A connection accepted while the fence holds starts without reading. */
    void accepted(Channel channel) {
        if (on && "hold".equals(mode)) {
            channel.config().setAutoRead(false);
        }
    }

    boolean on() {
        return on;
    }

    String mode() {
        return mode;
    }

    synchronized long autoLifts() {
        return autoLifts;
    }

    /** False when a write must be refused: only in reject mode while the fence is on. */
    boolean admit() {
        return !(on && "reject".equals(mode));
    }
}
