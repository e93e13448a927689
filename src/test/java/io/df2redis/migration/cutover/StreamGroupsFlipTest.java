package io.df2redis.migration.cutover;

import io.df2redis.migration.engine.Orientation;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.df2redis.local.LocalRedis;
import io.df2redis.migration.engine.DetachedStageContext;
import io.df2redis.migration.journal.JournalDrain;
import io.df2redis.migration.journal.JournalReader;
import io.df2redis.proxy.RouteKind;
import io.vertx.mutiny.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XAutoClaimParams;
import redis.clients.jedis.params.XClaimParams;
import redis.clients.jedis.params.XPendingParams;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamEntry;

/**
 * Streams consumer groups keep their state across the write flip and a rollback: the real proxy, the
 * journal drain and the write flip of the service, a Jedis client with its default configuration.
 */
class StreamGroupsFlipTest {

    private static final String STREAM = "orders";
    private static final String GROUP = "billing";

    @TempDir
    Path home;

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() {
        vertx.closeAndAwait();
    }

    /**
     * Steps:
     * <ol>
     * <li>through the proxy: 10 entries; {@code XGROUP CREATE}; {@code XREADGROUP} of 6 by consumer c1; {@code XACK}
     * of 3; {@code XCLAIM} of one by c2; {@code XAUTOCLAIM} of one by c3: each of these five leaves a journal intent
     * for the stream's key; {@code XREADGROUP ... BLOCK} waits for an entry and is journaled too;</li>
     * <li>once the drain has applied the journal, the target holds the same pending entries (id, consumer, deliveries);
     * the target's stream deleted behind the proxy and copied again by the drain ({@code DUMP}/{@code RESTORE}) has
     * them too, and the same last-delivered id;</li>
     * <li>write flip (the target becomes primary): through the proxy, {@code XPENDING} shows the same pending entries,
     * {@code XREADGROUP >} returns the 4 entries never delivered and the 2 added after the flip, none delivered before,
     * and {@code XACK} of the 3 pending ones acknowledges 3;</li>
     * <li>rollback (the source becomes primary again): the source holds the group as the target had it; XREADGROUP
     * {@code >} returns only the entry added after the rollback, XACK works.</li>
     * </ol>
     */
    @Test
    void aConsumerGroupContinuesOnTheNewPrimaryAfterTheFlipAndAfterARollback() throws Exception {
        try (ConsistencyCore core = ConsistencyCore.start(vertx, home, RouteKind.DUAL_WRITE,
                     "multiWriteMode: all-resources-no-check", "").runDrain()) {
            LocalRedis source = core.source;
            LocalRedis target = core.target;
            int port = core.proxyPort;
            JournalDrain drain = core.drain;
            WriteFlip flip = core.writeFlip;
            JournalReader journal = new JournalReader(core.paths.walDir());
            try (Jedis app = new Jedis("127.0.0.1", port)) {
                for (int i = 1; i <= 10; i++) {
                    app.xadd(STREAM, new StreamEntryID(1000, i), Map.of("n", String.valueOf(i)));
                }
                journaled(journal, "XGROUP CREATE", () -> app.xgroupCreate(STREAM, GROUP, new StreamEntryID(0, 0), false));
                List<StreamEntry> read = journaled(journal, "XREADGROUP", () -> app.xreadGroup(GROUP, "c1",
                        XReadGroupParams.xReadGroupParams().count(6), Map.of(STREAM, StreamEntryID.UNRECEIVED_ENTRY))).get(0).getValue();
                assertEquals(ids(1, 6), read.stream().map(e -> e.getID().toString()).toList());
                assertEquals(3L, journaled(journal, "XACK", () -> app.xack(STREAM, GROUP, id(1), id(2), id(3))));
                assertEquals(1, journaled(journal, "XCLAIM", () -> app.xclaim(STREAM, GROUP, "c2", 0, XClaimParams.xClaimParams(), id(4))).size());
                assertEquals(1, journaled(journal, "XAUTOCLAIM", () -> app.xautoclaim(STREAM, GROUP, "c3", 0, id(5),
                        XAutoClaimParams.xAutoClaimParams().count(1))).getValue().size());
                List<String> pending = List.of("1000-4 c2 2", "1000-5 c3 2", "1000-6 c1 1");
                assertEquals(pending, pending(app));
                // a blocked group read (on a stream of its own) is served when an entry arrives, and journaled
                String waiting = "orders:waiting";
                app.xgroupCreate(waiting, GROUP, new StreamEntryID(0, 0), true);
                long beforeBlock = journal.head();
                Thread producer = new Thread(() -> {
                    try (Jedis other = new Jedis("127.0.0.1", port)) {
                        Thread.sleep(200);
                        other.xadd(waiting, new StreamEntryID(1, 1), Map.of("n", "1"));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                producer.start();
                List<StreamEntry> woken = app.xreadGroup(GROUP, "c9", XReadGroupParams.xReadGroupParams().count(1).block(5000),
                        Map.of(waiting, StreamEntryID.UNRECEIVED_ENTRY)).get(0).getValue();
                producer.join();
                assertEquals("1-1", woken.get(0).getID().toString());
                assertEquals(java.util.Set.of(java.util.Base64.getEncoder().encodeToString(waiting.getBytes())),
                        journal.writtenBetween(beforeBlock, journal.head(), 0, List.of(waiting.getBytes())), "XREADGROUP BLOCK is journaled");

                drain.awaitApplied(drain.readHead(), Duration.ofSeconds(10)).await().atMost(Duration.ofSeconds(15));
                assertEquals(pending, pending(target), "the target has the pending entries");
                // the target's copy removed behind the proxy: only the drain's copy (DUMP/RESTORE) can bring it back
                target.command("DEL", STREAM);
                drain.repair(0, List.of(STREAM.getBytes())).await().atMost(Duration.ofSeconds(15));
                assertEquals(pending, pending(target), "the drain's copy carries the pending entries");
                assertEquals(lastDelivered(source), lastDelivered(target), "and the group's last-delivered id");
                assertEquals("1000-6", lastDelivered(target));

                WriteFlip.Attempt flipped = flip.attempt(new DetachedStageContext("fence"), Orientation.Direction.REVERSE).await().atMost(Duration.ofSeconds(30));
                assertTrue(flipped.flipped(), flipped.reason());

                assertEquals(pending, pending(app), "the same pending entries on the new primary");
                app.xadd(STREAM, new StreamEntryID(1000, 11), Map.of("n", "11"));
                app.xadd(STREAM, new StreamEntryID(1000, 12), Map.of("n", "12"));
                List<StreamEntry> next = app.xreadGroup(GROUP, "c1", XReadGroupParams.xReadGroupParams().count(100),
                        Map.of(STREAM, StreamEntryID.UNRECEIVED_ENTRY)).get(0).getValue();
                assertEquals(ids(7, 12), next.stream().map(e -> e.getID().toString()).toList(), "only entries never delivered");
                assertEquals(3L, app.xack(STREAM, GROUP, id(4), id(5), id(6)));
                List<String> afterFlip = IntStream.rangeClosed(7, 12).mapToObj(i -> "1000-" + i + " c1 1").toList();
                assertEquals(afterFlip, pending(target), "the new primary holds the group's state");

                WriteFlip.Attempt rolledBack = flip.attempt(new DetachedStageContext("rollback"), Orientation.Direction.FORWARD).await().atMost(Duration.ofSeconds(30));
                assertTrue(rolledBack.flipped(), rolledBack.reason());

                assertEquals(afterFlip, pending(source), "the old primary got the group's state back");
                assertEquals(afterFlip, pending(app));
                app.xadd(STREAM, new StreamEntryID(1000, 13), Map.of("n", "13"));
                List<StreamEntry> afterRollback = app.xreadGroup(GROUP, "c1", XReadGroupParams.xReadGroupParams().count(100),
                        Map.of(STREAM, StreamEntryID.UNRECEIVED_ENTRY)).get(0).getValue();
                assertEquals(List.of("1000-13"), afterRollback.stream().map(e -> e.getID().toString()).toList());
                assertEquals(7L, app.xack(STREAM, GROUP, IntStream.rangeClosed(7, 13).mapToObj(StreamGroupsFlipTest::id).toArray(StreamEntryID[]::new)));
                assertEquals(List.of(), pending(app));
            }
        }
    }

    /** Runs a command and checks that the journal got an intent for the stream's key meanwhile. */
    private static <T> T journaled(JournalReader journal, String command, Supplier<T> call) throws Exception {
        long before = journal.head();
        T reply = call.get();
        long after = journal.head();
        assertEquals(java.util.Set.of(java.util.Base64.getEncoder().encodeToString(STREAM.getBytes())),
                journal.writtenBetween(before, after, 0, List.of(STREAM.getBytes())), command + " is journaled with its key");
        return reply;
    }

    private static StreamEntryID id(int sequence) {
        return new StreamEntryID(1000, sequence);
    }

    private static List<String> ids(int from, int to) {
        return IntStream.rangeClosed(from, to).mapToObj(i -> "1000-" + i).toList();
    }

    /** The group's pending entries as "id consumer deliveries", through a client. */
    private static List<String> pending(Jedis client) {
        return client.xpending(STREAM, GROUP, XPendingParams.xPendingParams("-", "+", 100)).stream()
                .map(p -> p.getID() + " " + p.getConsumerName() + " " + p.getDeliveredTimes()).toList();
    }

    /** The same read straight from one side. */
    private static List<String> pending(LocalRedis side) throws Exception {
        Object reply = side.command("XPENDING", STREAM, GROUP, "-", "+", "100");
        return ((List<?>) reply).stream().map(e -> (List<?>) e)
                .map(e -> e.get(0) + " " + e.get(1) + " " + e.get(3)).toList();
    }

    private static String lastDelivered(LocalRedis side) throws Exception {
        List<?> groups = (List<?>) side.command("XINFO", "GROUPS", STREAM);
        List<?> group = (List<?>) groups.get(0);
        for (int i = 0; i + 1 < group.size(); i += 2) {
            if ("last-delivered-id".equals(group.get(i))) {
                return String.valueOf(group.get(i + 1));
            }
        }
        throw new AssertionError("no last-delivered-id in " + group);
    }
}
