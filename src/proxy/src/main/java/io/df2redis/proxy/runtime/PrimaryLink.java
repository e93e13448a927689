package io.df2redis.proxy.runtime;

import io.df2redis.contract.secrets.RedisUrls;
import io.df2redis.contract.resp.RespConnection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One client's own connection to the primary, for what Camellia's shared connections cannot carry:
 * a blocking command (it holds its connection), {@code PUBLISH} (it must reach the primary alone,
 * where the subscribers are, not be mirrored), and subscriptions.
 *
 * <p>One command at a time runs on it, on a link thread: the {@link CommandGate} holds the client's
 * later commands until its reply is written, so replies keep their order. A blocking write is
 * journaled like any write (intent before it is sent, commit after its reply). When the fence goes
 * on or the primary changes, a blocked command is released with {@code CLIENT UNBLOCK … TIMEOUT}
 * (atomic on the server: it either took its element and answers it, or took nothing) and is sent
 * again, with what is left of its timeout, once the fence is off, to the primary of that moment.
 *
 * <p>Subscribed, the link passes every server frame to the client as it came, keeps the client's
 * channels and patterns, and moves them to a new primary within the route change: subscribed there
 * first, then unsubscribed here, with a marker that says when every frame of the old primary has
 * been passed on. Nothing is delivered twice: a message is published on one primary only.
 */
final class PrimaryLink {

    private static final byte[] SWITCH_MARK = "df2redis-switch".getBytes(StandardCharsets.US_ASCII);

    private final PrimaryLinks links;
    private final CommandGate gate;
    private final ClientSession session;
    private final io.netty.channel.ChannelHandlerContext ctx;
    private final Object writeLock = new Object();
    /** Where commands are written (under {@link #writeLock}). */
    private RespConnection connection;
    /** Where a subscribed link's frames are read from: the thread that passes frames changes it, at the end of a move. */
    private RespConnection reading;
    private volatile String connectedTo;
    private volatile PrimaryLinks.Backend backend;
    private volatile String node;
    /** Subscribed-mode commands sent but not queued on a connection yet (the first connection is still opening). */
    private List<byte[][]> unsent;
    /** Frames owed by {@link #connection} to the commands written on it (for a move: what the old primary still owes). */
    private final AtomicInteger owedByConnection = new AtomicInteger();
    private long serverClientId;
    private int protocol = 2;
    private int db;
    private volatile boolean blocked;
    private volatile boolean released;
    private volatile boolean closed;

    /** Subscribed mode: the client's channels, patterns and shard channels (as their bytes, ISO-8859-1). */
    private final Set<String> channels = new LinkedHashSet<>();
    private final Set<String> patterns = new LinkedHashSet<>();
    private final Set<String> shardChannels = new LinkedHashSet<>();
    private volatile boolean subscribed;
    /** Frames owed to the client's subscribed-mode commands (confirmations, PONG, errors), not messages. */
    private final AtomicInteger expected = new AtomicInteger();
    /** No subscription is left once the owed frames are in: later commands wait for the link to end. */
    private volatile boolean ending;
    private volatile boolean quitting;
    private volatile boolean resetting;
    private volatile Move move;

    /** A move to a new primary in progress: frames still owed by the old one, then those read on the new one. */
    private record Move(RespConnection next, List<byte[]> early, AtomicInteger owedOnOld) {
    }

    PrimaryLink(PrimaryLinks links, CommandGate gate, ClientSession session, io.netty.channel.ChannelHandlerContext ctx) {
        this.links = links;
        this.gate = gate;
        this.session = session;
        this.ctx = ctx;
    }

    String connectedTo() {
        return connectedTo;
    }

    boolean subscribed() {
        return subscribed;
    }

    boolean ending() {
        return ending;
    }

    // ---- one command: a blocking command or PUBLISH ----

    /** Runs one command on the link thread; the gate is called back with its reply, on the event loop. */
    void runOnce(String name, byte[][] args, LinkedCommands.Blocking blocking) {
        int wantProtocol = session.resp3 ? 3 : 2;
        int wantDb = session.db;
        links.run(() -> oneCommand(name, args, blocking, wantProtocol, wantDb));
    }

    private void oneCommand(String name, byte[][] args, LinkedCommands.Blocking blocking, int wantProtocol, int wantDb) {
        JournalPlugin.PendingWrite open = null;
        try {
            long timeout = blocking == null ? 0 : blocking.timeoutMillis(args);
            long deadline = timeout == 0 ? 0 : System.currentTimeMillis() + timeout;
            byte[] slotKey = blocking != null ? blocking.keys()[0] : name.equals("spublish") && args.length > 1 ? args[1] : null;
            byte[][] command = args;
            for (int redirects = 0; ; ) {
                if (blocking != null && links.fenceOn()) {
                    links.awaitFenceOff();
                }
                connect(slotKey, wantProtocol, wantDb);
                connection.readTimeout(blocking == null ? 10_000 : 0);
                boolean writes = blocking != null && blocking.writes();
                open = writes ? links.blockingIntent(wantDb, name, blocking.keys()) : null;
                released = false;
                blocked = blocking != null;
                RespConnection.Frame reply;
                try {
                    send(command);
                    reply = connection.readFrame();
                } finally {
                    blocked = false;
                }
                String moved = reply.isError() ? movedTo(reply.text()) : null;
                if (moved != null && redirects++ < 3) {
                    links.abandoned(open);
                    open = null;
                    node = moved;
                    dropConnection();
                    continue;
                }
                if (released && blocking != null && reply.isNull()) {
                    links.abandoned(open);
                    open = null;
                    long left = deadline == 0 ? 0 : deadline - System.currentTimeMillis();
                    if (deadline != 0 && left <= 0) {
                        gate.linkReplied(ctx, reply.raw());
                        return;
                    }
                    command = resolveNewestIds(name, blocking.withTimeout(command, left));
                    continue;
                }
                if (writes && !reply.isNull() && !reply.isError()) {
                    // what it took is journaled again, after it happened and before the client hears of it
                    journalChange(wantDb, name, blocking.keys(), reply);
                }
                links.abandoned(open);
                open = null;
                gate.linkReplied(ctx, reply.raw());
                return;
            }
        } catch (PrimaryLinks.JournalRefused refused) {
            links.abandoned(open);
            gate.linkReplied(ctx, error(refused.getMessage()));
        } catch (IOException | RuntimeException e) {
            links.abandoned(open);
            dropConnection();
            if (!closed) {
                gate.linkReplied(ctx, error("ERR df2redis proxy: " + name.toUpperCase(Locale.ROOT) + " failed on the connection to the primary ("
                        + RedisUrls.maskUrls(String.valueOf(e.getMessage())) + ")" + (open != null ? "; it may have run" : "")));
            }
        } catch (InterruptedException e) {
            links.abandoned(open);
            Thread.currentThread().interrupt();
        }
    }

    private void journalChange(int db, String name, byte[][] keys, RespConnection.Frame reply) {
        try {
            JournalPlugin.PendingWrite change = links.intent(db, name, keys);
            links.answered(change, reply);
        } catch (IOException e) {
            System.err.println("df2redis-proxy: " + name.toUpperCase(Locale.ROOT) + " took an element but the journal refused its record ("
                    + e.getMessage() + "); a full verification finds the key");
        }
    }

    /** A released XREAD sent again must not skip what came between: '$' becomes the newest id it had seen. */
    private byte[][] resolveNewestIds(String name, byte[][] command) throws IOException {
        if (!name.equals("xread")) {
            return command;
        }
        int streams = -1;
        for (int i = 1; i < command.length; i++) {
            if (new String(command[i], StandardCharsets.US_ASCII).equalsIgnoreCase("STREAMS")) {
                streams = i;
                break;
            }
        }
        int count = (command.length - streams - 1) / 2;
        byte[][] resolved = command.clone();
        for (int i = 0; i < count; i++) {
            int id = streams + 1 + count + i;
            if (new String(command[id], StandardCharsets.US_ASCII).equals("$")) {
                send(new byte[][] {bytes("XREVRANGE"), command[streams + 1 + i], bytes("+"), bytes("-"), bytes("COUNT"), bytes("1")});
                RespConnection.Frame newest = connection.readFrame();
                List<RespConnection.Frame> entries = newest.items();
                resolved[id] = entries == null || entries.isEmpty() ? bytes("0-0") : entries.get(0).items().get(0).data();
            }
        }
        return resolved;
    }

    /** Called when the fence goes on or the primary changes: a blocked command lets go, taking nothing. */
    void release() {
        if (!blocked) {
            return;
        }
        released = true;
        PrimaryLinks.Backend on = backend;
        String where = node;
        int colon = where.lastIndexOf(':');
        for (int attempt = 0; attempt < 50 && blocked && !closed; attempt++) {
            try (RespConnection control = new RespConnection(where.substring(0, colon), Integer.parseInt(where.substring(colon + 1)),
                    on.user(), on.password())) {
                String answer = control.roundTrip("CLIENT", "UNBLOCK", Long.toString(serverClientId), "TIMEOUT");
                if (answer.equals(":1")) {
                    return;
                }
            } catch (IOException | RuntimeException e) {
                // the command is still blocked: try again shortly
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    // ---- subscribed mode ----

    /** The first SUBSCRIBE, PSUBSCRIBE or SSUBSCRIBE: the link enters subscribed mode and starts passing frames. */
    void subscribe(String name, byte[][] args) {
        subscribed = true;
        ending = false;
        int wantProtocol = session.resp3 ? 3 : 2;
        int wantDb = session.db;
        track(name, args);
        synchronized (writeLock) {
            unsent = new ArrayList<>();
            unsent.add(args);
        }
        links.run(() -> {
            try {
                connect(name.equals("ssubscribe") && args.length > 1 ? args[1] : null, wantProtocol, wantDb);
                connection.readTimeout(0);
                synchronized (writeLock) {
                    for (byte[][] command : unsent) {
                        writeTo(connection, command);
                        owedByConnection.incrementAndGet();
                    }
                    unsent = null;
                    connection.flush();
                    reading = connection;
                }
            } catch (IOException | RuntimeException e) {
                subscribed = false;
                ending = true;
                gate.linkFrame(ctx, error("ERR df2redis proxy: " + name.toUpperCase(Locale.ROOT) + " failed on the connection to the primary ("
                        + RedisUrls.maskUrls(String.valueOf(e.getMessage())) + ")"));
                gate.linkEnded(ctx, false);
                return;
            }
            passFrames();
        });
    }

    /** A command of a subscribed client (event loop): sent on the link, in order. False once the link is ending. */
    boolean fromClient(String name, com.netease.nim.camellia.redis.proxy.command.Command command) {
        if (ending) {
            return false;
        }
        byte[][] args = command.getObjects();
        if (!LinkedCommands.allowedWhileSubscribed(name) && session.resp3 && WriteCommands.writtenKeys(command) != null) {
            // RESP3 lets a subscribed connection run any command; a write there would escape the journal
            args = new byte[][] {bytes("EVAL"), bytes("return redis.error_reply(ARGV[1])"), bytes("0"),
                bytes("ERR df2redis proxy: " + name.toUpperCase(Locale.ROOT) + " refused on a subscribed connection: "
                    + "writes go through a connection that is not subscribed")};
        }
        track(name, args);
        byte[][] sent = args;
        synchronized (writeLock) {
            if (unsent != null) {
                unsent.add(sent);
                return true;
            }
        }
        links.write(() -> {
            try {
                synchronized (writeLock) {
                    writeTo(connection, sent);
                    owedByConnection.incrementAndGet();
                    connection.flush();
                }
            } catch (IOException | RuntimeException e) {
                dropConnection();
            }
        });
        return true;
    }

    /** Counts the frames a command is owed and keeps the subscriptions, before it is sent. */
    private void track(String name, byte[][] args) {
        switch (name) {
            case "subscribe": case "psubscribe": case "ssubscribe": {
                Set<String> set = setOf(name);
                for (int i = 1; i < args.length; i++) {
                    set.add(new String(args[i], StandardCharsets.ISO_8859_1));
                }
                expected.addAndGet(Math.max(1, args.length - 1));
                break;
            }
            case "unsubscribe": case "punsubscribe": case "sunsubscribe": {
                Set<String> set = setOf(name.substring(2));
                if (args.length == 1) {
                    expected.addAndGet(Math.max(1, set.size()));
                    set.clear();
                } else {
                    for (int i = 1; i < args.length; i++) {
                        set.remove(new String(args[i], StandardCharsets.ISO_8859_1));
                    }
                    expected.addAndGet(args.length - 1);
                }
                break;
            }
            case "quit":
                quitting = true;
                expected.incrementAndGet();
                break;
            case "reset":
                resetting = true;
                channels.clear();
                patterns.clear();
                shardChannels.clear();
                expected.incrementAndGet();
                break;
            default:
                expected.incrementAndGet();
                break;
        }
        if (quitting || channels.isEmpty() && patterns.isEmpty() && shardChannels.isEmpty()) {
            ending = true;
        }
    }

    private Set<String> setOf(String subscribeName) {
        switch (subscribeName) {
            case "psubscribe":
                return patterns;
            case "ssubscribe":
                return shardChannels;
            default:
                return channels;
        }
    }

    /** The link thread of a subscribed client: every frame to the client, until no subscription is left. */
    private void passFrames() {
        try {
            while (!closed) {
                RespConnection.Frame frame = reading.readFrame();
                Move moving = move;
                if (moving != null && reading != moving.next()) {
                    if (!isMessage(frame)) {
                        if (moving.owedOnOld().get() > 0) {
                            moving.owedOnOld().decrementAndGet();
                        } else {
                            if (isSwitchMark(frame)) {
                                finishMove(reading, moving);
                            }
                            continue;
                        }
                    }
                } else if (!isMessage(frame)) {
                    owedByConnection.decrementAndGet();
                }
                deliver(frame.raw());
                if (!isMessage(frame) && expected.decrementAndGet() <= 0 && ending) {
                    boolean wasReset = resetting;
                    subscribed = false;
                    if (quitting) {
                        gate.linkQuit(ctx);
                    } else {
                        if (wasReset) {
                            dropConnection();
                        }
                        gate.linkEnded(ctx, wasReset);
                    }
                    return;
                }
            }
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                // the primary went away under a subscriber: like a server restart, the client sees its connection close
                gate.linkQuit(ctx);
            }
        }
    }

    private void finishMove(RespConnection old, Move moving) {
        old.close();
        reading = moving.next();
        move = null;
        for (byte[] early : moving.early()) {
            deliver(early);
        }
    }

    boolean subscribedElsewhere(String primary) {
        return subscribed && !ending && connectedTo != null && !primary.equals(connectedTo);
    }

    /** Moves the subscriptions to the new primary (see the class comment). */
    void follow() {
        try {
            PrimaryLinks.Backend movedTo = links.primary();
            String target = movedTo.nodes().get(0);
            RespConnection next = open(movedTo, target, protocol);
            List<byte[]> early = new ArrayList<>();
            int confirmations = 0;
            confirmations += resubscribe(next, "SUBSCRIBE", channels);
            confirmations += resubscribe(next, "PSUBSCRIBE", patterns);
            confirmations += resubscribe(next, "SSUBSCRIBE", shardChannels);
            while (confirmations > 0) {
                RespConnection.Frame frame = next.readFrame();
                if (isMessage(frame)) {
                    early.add(frame.raw());
                } else {
                    confirmations--;
                }
            }
            next.readTimeout(0);
            synchronized (writeLock) {
                move = new Move(next, early, new AtomicInteger(Math.max(0, owedByConnection.getAndSet(0))));
                RespConnection old = connection;
                writeTo(old, new byte[][] {bytes("UNSUBSCRIBE")});
                writeTo(old, new byte[][] {bytes("PUNSUBSCRIBE")});
                if (!shardChannels.isEmpty()) {
                    writeTo(old, new byte[][] {bytes("SUNSUBSCRIBE")});
                }
                writeTo(old, new byte[][] {bytes("ECHO"), SWITCH_MARK});
                old.flush();
                connection = next;
                connectedTo = movedTo.identity();
                this.backend = movedTo;
                node = target;
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("df2redis-proxy: a subscriber could not follow the new primary (" + e.getClass().getSimpleName()
                    + "); its connection is closed so that it subscribes again");
            gate.linkQuit(ctx);
        }
    }

    private static int resubscribe(RespConnection next, String command, Set<String> names) throws IOException {
        if (names.isEmpty()) {
            return 0;
        }
        List<byte[]> args = new ArrayList<>();
        args.add(bytes(command));
        names.forEach(name -> args.add(name.getBytes(StandardCharsets.ISO_8859_1)));
        next.write(args);
        next.flush();
        return names.size();
    }

    private static boolean isMessage(RespConnection.Frame frame) {
        List<RespConnection.Frame> items = frame.items();
        if (items == null || items.isEmpty()) {
            return false;
        }
        String kind = items.get(0).text();
        return kind.equals("message") || kind.equals("pmessage") || kind.equals("smessage");
    }

    /** ECHO's reply once unsubscribed, or its refusal while still subscribed (RESP2): either way the last frame of a move. */
    private static boolean isSwitchMark(RespConnection.Frame frame) {
        return frame.data() != null && (java.util.Arrays.equals(frame.data(), SWITCH_MARK) || frame.isError());
    }

    // ---- the connection ----

    private void connect(byte[] slotKey, int wantProtocol, int wantDb) throws IOException {
        PrimaryLinks.Backend primary = links.primary();
        if (connection == null || !primary.identity().equals(connectedTo)) {
            // after a MOVED the link goes to the node named there, on the same Cluster
            String target = node != null && backend != null && backend.identity().equals(primary.identity()) ? node : primary.nodes().get(0);
            dropConnection();
            connection = open(primary, target, 2);
            connectedTo = primary.identity();
            backend = primary;
            node = target;
            protocol = 2;
            db = 0;
            connection.readTimeout(0);
        }
        if (protocol != wantProtocol) {
            send(new byte[][] {bytes("HELLO"), bytes(Integer.toString(wantProtocol))});
            if (!connection.readFrame().isError()) {
                protocol = wantProtocol;
            }
        }
        if (db != wantDb) {
            send(new byte[][] {bytes("SELECT"), bytes(Integer.toString(wantDb))});
            RespConnection.Frame selected = connection.readFrame();
            if (selected.isError()) {
                throw new IOException("SELECT " + wantDb + " refused: " + selected.text());
            }
            db = wantDb;
        }
    }

    private RespConnection open(PrimaryLinks.Backend backend, String target, int wantProtocol) throws IOException {
        int colon = target.lastIndexOf(':');
        RespConnection opened = new RespConnection(target.substring(0, colon), Integer.parseInt(target.substring(colon + 1)),
                backend.user(), backend.password());
        String id = opened.roundTrip("CLIENT", "ID");
        if (id.startsWith(":")) {
            serverClientId = Long.parseLong(id.substring(1));
        }
        if (wantProtocol == 3) {
            opened.write(List.of(bytes("HELLO"), bytes("3")));
            opened.flush();
            opened.readFrame();
        }
        return opened;
    }

    private void send(byte[][] args) throws IOException {
        synchronized (writeLock) {
            writeTo(connection, args);
            connection.flush();
        }
    }

    private static void writeTo(RespConnection target, byte[][] args) throws IOException {
        target.write(java.util.Arrays.asList(args));
    }

    private void dropConnection() {
        synchronized (writeLock) {
            if (connection != null) {
                connection.close();
                connection = null;
            }
            connectedTo = null;
        }
    }

    /** The client went away: the link closes (a blocked command on the server ends with its connection). */
    void close() {
        closed = true;
        Move moving = move;
        if (moving != null) {
            moving.next().close();
        }
        dropConnection();
        links.closed(this);
    }

    private void deliver(byte[] raw) {
        io.netty.channel.Channel channel = ctx.channel();
        // a slow subscriber: wait for the socket (the server's output limit for pub/sub bounds what piles up there)
        while (!channel.isWritable() && channel.isActive() && !closed) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        gate.linkFrame(ctx, raw);
    }

    private static String movedTo(String error) {
        if (!error.startsWith("MOVED ")) {
            return null;
        }
        String[] parts = error.split(" ");
        return parts.length == 3 ? parts[2] : null;
    }

    private static byte[] error(String message) {
        return ("-" + message.replace('\r', ' ').replace('\n', ' ') + "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
