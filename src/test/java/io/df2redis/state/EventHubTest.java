package io.df2redis.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The event hub: listeners run outside its lock, in order, and each sees every event emitted after it registered. */
class EventHubTest {

    @TempDir
    Path home;

    @Test
    void aListenerThatBlocksHoldsUpNoOtherThreadsEmitAndEveryEventArrivesInOrder() throws Exception {
        try (StatusStore store = StatusStore.open(home.resolve("status.json"))) {
            EventHub hub = new EventHub(store, 200);
            CountDownLatch listenerEntered = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            List<Long> seen = new CopyOnWriteArrayList<>();
            hub.listen(event -> {
                seen.add(event.seq());
                if (event.seq() == 1) {
                    listenerEntered.countDown();
                    await(release);
                }
            });
            CompletableFuture<Void> first = CompletableFuture.runAsync(() -> hub.emit("test.first", null, "first"));
            assertTrue(listenerEntered.await(10, TimeUnit.SECONDS));

            // The first event's listener is blocked: other threads' emits still return, their events in the ring.
            CompletableFuture<Void> others = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 5; i++) {
                    hub.emit("test.other", null, "other " + i);
                }
            });
            others.get(10, TimeUnit.SECONDS);
            assertEquals(6, (int) store.read(s -> s.recentEvents.size()), "every event is in the status ring at once");
            assertEquals(List.of(1L), seen, "the listener is still busy with the first event");

            release.countDown();
            first.get(10, TimeUnit.SECONDS);
            assertEquals(LongStream.rangeClosed(1, 6).boxed().toList(), seen, "the queued events follow, in order, once");
        }
    }

    @Test
    void aListenerGetsOnlyTheEventsEmittedAfterItRegistered() throws Exception {
        try (StatusStore store = StatusStore.open(home.resolve("status.json"))) {
            EventHub hub = new EventHub(store, 200);
            hub.emit("test.before", null, "before");
            List<String> seen = new CopyOnWriteArrayList<>();
            hub.listen(event -> seen.add(event.type()));
            hub.emit("test.after", null, "after");
            assertEquals(List.of("test.after"), seen);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
