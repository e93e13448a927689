package io.df2redis.state;

import io.df2redis.config.Secrets;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The single broadcast stream of migration events. Each event is masked once, appended to the
 * status file's bounded ring, logged, and offered to live subscribers (SSE clients, the CLI's
 * progress printer, metrics). A subscriber that falls more than {@link #SUBSCRIBER_BUFFER} events
 * behind is dropped rather than allowed to grow memory; it reconnects and gets the state again.
 */
public class EventHub {

    public static final int SUBSCRIBER_BUFFER = 1024;
    private static final Logger LOG = Logger.getLogger("io.df2redis.events");

    private final StatusStore store;
    private final int keep;
    private final CopyOnWriteArrayList<Listener> listeners = new CopyOnWriteArrayList<>();
    /** Events numbered and in the ring, not yet logged and handed to the listeners (guarded by the hub). */
    private final java.util.ArrayDeque<MigrationEvent> undelivered = new java.util.ArrayDeque<>();
    private boolean delivering;

    /** A listener gets the events numbered after {@code after}: those emitted once it was registered. */
    private record Listener(long after, Consumer<MigrationEvent> consumer) {
    }
    private final AtomicInteger subscribers = new AtomicInteger();
    private long seq;

    public EventHub(StatusStore store, int keep) {
        this.store = store;
        this.keep = keep;
        this.seq = store.read(s -> s.eventCount);
    }

    /**
     * Emits one event: into the status ring (under the hub's lock, so the ring keeps the numbering), then to
     * the log, the listeners and the live streams, in order and outside the lock: a slow listener (a CLI
     * printing to a full pipe) holds up no other thread's emit. The thread that finds no delivery under way
     * delivers what is queued, its own event included; another thread's event queued meanwhile goes with it.
     */
    public MigrationEvent emit(String type, String stage, String message, Map<String, Object> data) {
        MigrationEvent event;
        synchronized (this) {
            event = new MigrationEvent(++seq, Instant.now(), type, stage, Secrets.mask(message), maskValues(data));
            store.update(status -> {
                status.recentEvents.add(event);
                while (status.recentEvents.size() > keep) {
                    status.recentEvents.remove(0);
                }
                status.eventCount = event.seq();
            });
            undelivered.add(event);
            if (delivering) {
                return event;
            }
            delivering = true;
        }
        deliverQueued();
        return event;
    }

    private void deliverQueued() {
        while (true) {
            MigrationEvent next;
            synchronized (this) {
                next = undelivered.poll();
                if (next == null) {
                    delivering = false;
                    return;
                }
            }
            log(next);
            for (Listener listener : listeners) {
                if (next.seq() <= listener.after()) {
                    continue;
                }
                try {
                    listener.consumer().accept(next);
                } catch (RuntimeException e) {
                    LOG.warnf("event listener failed: %s", e.getMessage());
                }
            }
        }
    }

    public MigrationEvent emit(String type, String stage, String message) {
        return emit(type, stage, message, Map.of());
    }

    /**
     * A subscriber's stream: {@code first} (the current state), then every later event, with no
     * event lost or repeated in between (the state is built and the subscriber registered under the hub's
     * lock, and gets only the events numbered after it). Bounded per subscriber;
     * cancelling (a client that disconnects) frees the subscription at once.
     */
    public Multi<MigrationEvent> stream(Supplier<MigrationEvent> first) {
        return Multi.createFrom().<MigrationEvent>emitter(emitter -> {
                    Listener forward;
                    synchronized (this) {
                        if (first != null) {
                            emitter.emit(first.get());
                        }
                        forward = new Listener(seq, emitter::emit);
                        listeners.add(forward);
                    }
                    subscribers.incrementAndGet();
                    emitter.onTermination(() -> {
                        listeners.remove(forward);
                        subscribers.decrementAndGet();
                    });
                }, BackPressureStrategy.ERROR)
                .onOverflow().buffer(SUBSCRIBER_BUFFER);
    }

    /** A state event numbered like the events it precedes, built under the hub's lock. */
    public synchronized MigrationEvent stateEvent(Map<String, Object> data) {
        return new MigrationEvent(seq, Instant.now(), "state", null, "current state", data);
    }

    /** Gets every event emitted from now on, in order, outside the hub's lock (the CLI printer, metrics). */
    public synchronized void listen(Consumer<MigrationEvent> listener) {
        listeners.add(new Listener(seq, listener));
    }

    public int subscribers() {
        return subscribers.get();
    }

    private static Map<String, Object> maskValues(Map<String, Object> data) {
        if (data == null || data.isEmpty()) {
            return Map.of();
        }
        Map<String, Object> masked = new LinkedHashMap<>();
        data.forEach((k, v) -> masked.put(k, v instanceof String s ? Secrets.mask(s) : v));
        return masked;
    }

    private static void log(MigrationEvent event) {
        String where = event.stage() == null ? "" : "[" + event.stage() + "] ";
        if (event.type().endsWith(".progress")) {
            LOG.debugf("%s%s: %s", where, event.type(), event.message());
        } else if (event.type().endsWith(".failed") || event.type().endsWith(".blocked")) {
            LOG.errorf("%s%s: %s", where, event.type(), event.message());
        } else if (event.type().endsWith(".warning") || event.type().endsWith(".retry") || event.type().endsWith(".exited")
                || event.type().endsWith(".restart-failed") || event.type().endsWith(".unmirrorable")) {
            LOG.warnf("%s%s: %s", where, event.type(), event.message());
        } else {
            LOG.infof("%s%s: %s", where, event.type(), event.message());
        }
    }
}
