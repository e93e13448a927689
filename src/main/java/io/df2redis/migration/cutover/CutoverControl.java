package io.df2redis.migration.cutover;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.CompletableFuture;

/**
 * The operator's go-ahead between cutover steps ({@code POST /api/v1/migration/cutover/advance}):
 * the next read batch when {@code migrate.cutover.auto} is off, the end of the cleanup's observation
 * window. Only a step that is waiting can be advanced.
 */
@ApplicationScoped
public class CutoverControl {

    private CompletableFuture<Void> waiting;
    private String waitingFor;

    /** A signal the stage waits on; replaces an older one. */
    public synchronized CompletableFuture<Void> await(String what) {
        if (waiting != null) {
            waiting.cancel(false);
        }
        waiting = new CompletableFuture<>();
        waitingFor = what;
        return waiting;
    }

    /** Lets the waiting step go on; returns what it was waiting for, or null when nothing waits. */
    public synchronized String advance() {
        if (waiting == null || waiting.isDone()) {
            return null;
        }
        String what = waitingFor;
        waiting.complete(null);
        waiting = null;
        waitingFor = null;
        return what;
    }

    public synchronized void clear(CompletableFuture<Void> signal) {
        if (waiting == signal) {
            waiting = null;
            waitingFor = null;
        }
    }
}
