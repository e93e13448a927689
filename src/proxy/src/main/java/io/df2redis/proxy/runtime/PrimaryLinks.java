package io.df2redis.proxy.runtime;

import io.df2redis.contract.resp.RespConnection;
import com.netease.nim.camellia.core.model.Resource;
import com.netease.nim.camellia.redis.proxy.reply.ErrorReply;
import com.netease.nim.camellia.redis.proxy.reply.Reply;
import com.netease.nim.camellia.redis.proxy.reply.StatusReply;
import com.netease.nim.camellia.redis.resource.RedisClusterResource;
import com.netease.nim.camellia.redis.resource.RedisResource;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The clients' own connections to the primary ({@link PrimaryLink}): what they share (the route,
 * the journal, the fence, their threads), and what happens to all of them when the fence goes on
 * (every blocked command is released, to be sent again once it lifts) or the primary changes
 * (released likewise; subscriptions move to the new primary).
 */
final class PrimaryLinks {

    /** More clients than this blocked or subscribed at once are refused (each holds a thread and a server connection). */
    static final int MAX_LINKS = 4096;

    private final RouteUpdater route;
    private final JournalPlugin journal;
    private final Fence fence;
    private final Set<PrimaryLink> active = ConcurrentHashMap.newKeySet();
    private final AtomicInteger threadNumber = new AtomicInteger();
    private final ExecutorService threads = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "df2redis-link-" + threadNumber.incrementAndGet());
        thread.setDaemon(true);
        return thread;
    });
    /** Writes of subscribed clients' commands, one thread so that each link's writes keep their order. */
    private final ExecutorService writes = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "df2redis-link-writes");
        thread.setDaemon(true);
        return thread;
    });

    /** Where a link connects: one server, or a Cluster's seed nodes, with the primary's credentials. */
    record Backend(String identity, List<String> nodes, String user, String password, boolean cluster) {
    }

    PrimaryLinks(RouteUpdater route, JournalPlugin journal, Fence fence) {
        this.route = route;
        this.journal = journal;
        this.fence = fence;
        fence.whenRaised(() -> releaseBlocked(false));
        route.whenApplied(this::primaryMayHaveChanged);
    }

    Backend primary() {
        Resource resource = route.primary();
        if (resource instanceof RedisResource server) {
            return new Backend(resource.getUrl(), List.of(server.getHost() + ":" + server.getPort()), server.getUserName(),
                    server.getPassword(), false);
        }
        if (resource instanceof RedisClusterResource cluster) {
            List<String> nodes = cluster.getNodes().stream().map(node -> node.getHost() + ":" + node.getPort()).toList();
            return new Backend(resource.getUrl(), nodes, cluster.getUserName(), cluster.getPassword(), true);
        }
        throw new IllegalStateException("the primary is neither one Redis server nor a Redis Cluster");
    }

    /** Whether a new link may open now (false: too many clients are blocked or subscribed). */
    boolean admit(PrimaryLink link) {
        if (active.size() >= MAX_LINKS) {
            return false;
        }
        active.add(link);
        return true;
    }

    void closed(PrimaryLink link) {
        active.remove(link);
    }

    void run(Runnable task) {
        threads.execute(task);
    }

    void write(Runnable task) {
        writes.execute(task);
    }

    boolean readsHeld() {
        return fence.holding();
    }

    void awaitFenceOff() throws InterruptedException {
        fence.awaitOff();
    }

    boolean fenceOn() {
        return fence.on();
    }

    /**
     * Journals the intent of a blocking write (invariant I1) and counts it in flight.
     *
     * @return the pending write, whose commit follows the reply
     * @throws IOException when the journal refuses it (the message is the client's error)
     */
    JournalPlugin.PendingWrite intent(int db, String name, byte[][] keys) throws IOException {
        JournalPlugin.PendingWrite pending = new JournalPlugin.PendingWrite(keys);
        Reply refused = journal.journal(List.of(new JournalPlugin.Admitted(null, new DirtyKeyJournal.Intent(db, name, keys), pending)),
                route.multiBackend());
        if (refused != null) {
            throw new JournalRefused(((ErrorReply) refused).getError());
        }
        return pending;
    }

    /** A blocking write's intent before it is sent, committed at once (see {@link JournalPlugin#committedBeforeRun}). */
    JournalPlugin.PendingWrite blockingIntent(int db, String name, byte[][] keys) throws IOException {
        JournalPlugin.PendingWrite open = intent(db, name, keys);
        journal.committedBeforeRun(open);
        return open;
    }

    void answered(JournalPlugin.PendingWrite pending, RespConnection.Frame reply) {
        if (pending != null) {
            journal.answered(pending, reply.isError() ? new ErrorReply(reply.text()) : StatusReply.OK);
        }
    }

    void abandoned(JournalPlugin.PendingWrite pending) {
        if (pending != null) {
            journal.abandoned(pending);
        }
    }

    /** The fence went on, or the primary changed: every blocked command lets go, to be sent again later. */
    private void releaseBlocked(boolean onlyOffPrimary) {
        String primary = onlyOffPrimary ? primary().identity() : null;
        for (PrimaryLink link : active) {
            if (primary == null || !primary.equals(link.connectedTo())) {
                threads.execute(link::release);
            }
        }
    }

    /**
     * Runs in the route change, so within the fence: subscribers are subscribed on the new primary
     * before writes (PUBLISH among them) are let through to it again. Bounded: a subscriber that
     * cannot move within {@link #FOLLOW_MILLIS} is disconnected, and its client subscribes again.
     */
    private void primaryMayHaveChanged() {
        releaseBlocked(true);
        String primary = primary().identity();
        List<java.util.concurrent.Future<?>> moves = new java.util.ArrayList<>();
        for (PrimaryLink link : active) {
            if (link.subscribedElsewhere(primary)) {
                moves.add(threads.submit(link::follow));
            }
        }
        long deadline = System.currentTimeMillis() + FOLLOW_MILLIS;
        for (java.util.concurrent.Future<?> move : moves) {
            try {
                move.get(Math.max(1, deadline - System.currentTimeMillis()), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                move.cancel(true);
            }
        }
    }

    static final long FOLLOW_MILLIS = 3000;

    int activeLinks() {
        return active.size();
    }

    /** The journal could not take a blocking write's intent: it is not sent. */
    static final class JournalRefused extends IOException {
        JournalRefused(String message) {
            super(message);
        }
    }
}
