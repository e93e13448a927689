package io.df2redis.proxy.runtime;

import io.df2redis.contract.resp.RespConnection;
import io.df2redis.contract.cluster.ClusterNodes;
import io.df2redis.contract.cluster.HashSlot;
import io.df2redis.contract.hook.HookInfo;
import io.df2redis.contract.meta.MetaKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The meta CAS hook: after a committed write, sets the target's meta key of the written key to the
 * write's time when that is newer ({@code EVALSHA} of the script named in hook.json), so that an
 * importer can skip a key the proxy wrote after T0. With a cluster target each update goes to the
 * master of the meta key's slot (slot map from CLUSTER NODES, refreshed after MOVED/ASK). Asynchronous and lossy on purpose: a dropped
 * meta update only costs a copy the journal drain redoes anyway. The hook file is read again when
 * it changes; a target that lost its scripts ({@code NOSCRIPT}) gets the script loaded again.
 */
final class MetaCas implements AutoCloseable {

    private final Path hookFile;
    private final BlockingQueue<Update> queue = new ArrayBlockingQueue<>(65536);
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong reloads = new AtomicLong();
    private final Thread worker;
    private volatile boolean running = true;
    private volatile Hook hook;
    private long hookModified = -1;
    private final Map<String, RespConnection> connections = new HashMap<>();
    private ClusterNodes slots;

    private record Update(byte[] key, long ts) {
    }

    /** What the hook needs of hook.json (the contract's {@link HookInfo}). */
    record Hook(boolean enabled, String sha, String script, String pattern, String host, int port, String user, String password,
            boolean cluster) {
    }

    MetaCas(Path hookFile) {
        this.hookFile = hookFile;
        this.worker = new Thread(this::run, "df2redis-meta-cas");
        this.worker.setDaemon(true);
        this.worker.start();
    }

    /** Queues the meta update of a committed write; drops it (counted) when the hook is off or the queue full. */
    void written(byte[][] keys, long ts) {
        Hook current = hook;
        if (current == null || !current.enabled()) {
            return;
        }
        for (byte[] key : keys) {
            if (!queue.offer(new Update(key, ts))) {
                dropped.incrementAndGet();
            }
        }
    }

    long applied() {
        return applied.get();
    }

    long dropped() {
        return dropped.get();
    }

    long scriptReloads() {
        return reloads.get();
    }

    boolean active() {
        Hook current = hook;
        return current != null && current.enabled();
    }

    private void run() {
        List<Update> batch = new ArrayList<>(512);
        long lastHookCheck = 0;
        while (running) {
            try {
                if (System.currentTimeMillis() - lastHookCheck > 1000) {
                    lastHookCheck = System.currentTimeMillis();
                    reloadHookIfChanged();
                }
                Update first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, 511);
                send(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException | RuntimeException e) {
                dropped.addAndGet(batch.size());
                closeConnection();
                System.err.println("df2redis-proxy: meta CAS batch dropped: " + e.getClass().getSimpleName() + " " + e.getMessage());
            } finally {
                batch.clear();
            }
        }
    }

    private void send(List<Update> batch) throws IOException {
        Hook current = hook;
        if (current == null || !current.enabled()) {
            return;
        }
        // one update per key, the newest: the script keeps the newest time anyway
        Map<String, Update> newest = new LinkedHashMap<>();
        for (Update update : batch) {
            newest.merge(new String(update.key(), java.nio.charset.StandardCharsets.ISO_8859_1), update,
                    (a, b) -> a.ts() >= b.ts() ? a : b);
        }
        applied.addAndGet(batch.size() - newest.size());
        Map<String, List<Update>> byNode = new LinkedHashMap<>();
        for (Update update : newest.values()) {
            byNode.computeIfAbsent(node(current, MetaKeys.metaKey(current.pattern(), update.key())), n -> new ArrayList<>()).add(update);
        }
        List<Update> redirected = new ArrayList<>();
        for (Map.Entry<String, List<Update>> entry : byNode.entrySet()) {
            redirected.addAll(sendToNode(current, entry.getKey(), entry.getValue(), true));
        }
        if (!redirected.isEmpty()) {
            slots = null;
            Map<String, List<Update>> again = new LinkedHashMap<>();
            for (Update update : redirected) {
                again.computeIfAbsent(node(current, MetaKeys.metaKey(current.pattern(), update.key())), n -> new ArrayList<>()).add(update);
            }
            for (Map.Entry<String, List<Update>> entry : again.entrySet()) {
                dropped.addAndGet(sendToNode(current, entry.getKey(), entry.getValue(), true).size());
            }
        }
    }

    /** Pipelines the updates to one node; returns those the node redirected (MOVED/ASK) elsewhere. */
    private List<Update> sendToNode(Hook current, String node, List<Update> updates, boolean reloadOnNoScript) throws IOException {
        RespConnection connection = connection(current, node);
        for (Update update : updates) {
            connection.write(List.of(RespConnection.bytes("EVALSHA"), RespConnection.bytes(current.sha()), RespConnection.bytes("1"),
                    MetaKeys.metaKey(current.pattern(), update.key()), RespConnection.bytes(Long.toString(update.ts()))));
        }
        connection.flush();
        List<Update> redirected = new ArrayList<>();
        boolean noScript = false;
        for (Update update : updates) {
            String reply = connection.readReply();
            if (reply.startsWith("-NOSCRIPT")) {
                noScript = true;
            } else if (reply.startsWith("-MOVED") || reply.startsWith("-ASK")) {
                redirected.add(update);
            } else if (!reply.startsWith("-")) {
                applied.incrementAndGet();
            } else {
                dropped.incrementAndGet();
            }
        }
        if (noScript && reloadOnNoScript) {
            reloads.incrementAndGet();
            connection.write(List.of(RespConnection.bytes("SCRIPT"), RespConnection.bytes("LOAD"), RespConnection.bytes(current.script())));
            connection.flush();
            String loaded = connection.readReply();
            if (loaded.startsWith("-")) {
                throw new IOException("SCRIPT LOAD refused: " + loaded);
            }
            return sendToNode(current, node, updates, false);
        }
        return redirected;
    }

    /** host:port of the node that owns the meta key: the target itself, or the cluster master of its slot. */
    private String node(Hook current, byte[] metaKey) throws IOException {
        String seed = current.host() + ":" + current.port();
        if (!current.cluster()) {
            return seed;
        }
        if (slots == null) {
            String nodes = connection(current, seed).roundTrip("CLUSTER", "NODES");
            slots = ClusterNodes.parse(nodes.startsWith("$") ? nodes.substring(1) : nodes);
        }
        String owner = slots.owner(HashSlot.of(metaKey));
        return owner == null ? seed : owner;
    }

    private RespConnection connection(Hook current, String node) throws IOException {
        RespConnection connection = connections.get(node);
        if (connection != null && connection.open()) {
            return connection;
        }
        int colon = node.lastIndexOf(':');
        connection = new RespConnection(node.substring(0, colon), Integer.parseInt(node.substring(colon + 1)), current.user(),
                current.password());
        connections.put(node, connection);
        return connection;
    }

    private void closeConnection() {
        connections.values().forEach(RespConnection::close);
        connections.clear();
        slots = null;
    }

    private void reloadHookIfChanged() {
        try {
            if (!Files.exists(hookFile)) {
                hook = null;
                return;
            }
            long modified = Files.getLastModifiedTime(hookFile).toMillis() ^ Files.size(hookFile);
            if (modified == hookModified) {
                return;
            }
            hookModified = modified;
            hook = parse(Files.readString(hookFile, StandardCharsets.UTF_8));
            closeConnection();
        } catch (IOException | RuntimeException e) {
            System.err.println("df2redis-proxy: cannot read the hook file: " + e.getClass().getSimpleName());
        }
    }

    /** hook.json, read with the contract's record. */
    static Hook parse(String json) throws IOException {
        HookInfo info = HookInfo.read(json);
        return new Hook(info.enableCas(), info.scriptSha(), info.script(), info.metaKeyPattern(), info.targetHost(), info.targetPort(),
                info.targetUser(), info.targetPassword(), info.targetCluster());
    }

    @Override
    public void close() {
        running = false;
        worker.interrupt();
        closeConnection();
    }
}
