package io.df2redis.proxy.runtime;

/**
 * Holds or refuses new writes while the service flips the primary. {@code reject} answers at once
 * with the configured error; {@code hold} waits for the fence to lift, at most {@code maxHoldMillis},
 * then refuses. Holding blocks a Netty worker (Camellia has no way to defer a command), which is why
 * the wait is bounded.
 */
final class Fence {

    private final long maxHoldMillis;
    private volatile boolean on;
    private volatile String mode;
    private final Object lifted = new Object();

    Fence(String mode, long maxHoldMillis) {
        this.mode = mode;
        this.maxHoldMillis = maxHoldMillis;
    }

    void set(boolean on, String mode) {
        if (mode != null) {
            this.mode = mode;
        }
        this.on = on;
        if (!on) {
            synchronized (lifted) {
                lifted.notifyAll();
            }
        }
    }

    boolean on() {
        return on;
    }

    String mode() {
        return mode;
    }

    /** True when the write may go on; false when it must be refused. */
    boolean admit() {
        if (!on) {
            return true;
        }
        if (!"hold".equals(mode)) {
            return false;
        }
        long deadline = System.nanoTime() + maxHoldMillis * 1_000_000;
        synchronized (lifted) {
            while (on) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    return false;
                }
                try {
                    lifted.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return true;
    }
}
