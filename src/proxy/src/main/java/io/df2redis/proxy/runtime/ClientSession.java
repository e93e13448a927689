package io.df2redis.proxy.runtime;

import com.netease.nim.camellia.redis.proxy.command.Command;
import com.netease.nim.camellia.redis.proxy.reply.Reply;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the proxy knows of one client connection: whether it authenticated, its name and library,
 * and the answers the {@link CommandGate} decided for commands that must not be forwarded. Used
 * only on the connection's own event loop, so it needs no locking.
 */
final class ClientSession {

    private static final AttributeKey<ClientSession> KEY = AttributeKey.valueOf("df2redis.session");
    private static final AtomicLong IDS = new AtomicLong();

    final long id = IDS.incrementAndGet();
    final long connectedAtMillis = System.currentTimeMillis();
    boolean authenticated;
    String user = "default";
    /** The database SELECT chose; commands on another than 0 go as scripts that select it. */
    int db;
    String name;
    String libName;
    String libVersion;
    /** The open MULTI block, queued until EXEC; null outside MULTI. */
    Transaction transaction;
    /** The keys WATCH watches, with their digests. */
    final Watches watches = new Watches();
    /** Per command read, in order: the journaled write it is (its commit follows its reply), or null. */
    private final ArrayDeque<Object> awaitingReply = new ArrayDeque<>();
    private static final Object NOT_JOURNALED = new Object();
    /** Replies the gate changes on their way out (WATCH's digests, an aborted EXEC), by reply number. */
    private ArrayDeque<Rewrite> rewrites;

    private record Rewrite(long replyNumber, java.util.function.UnaryOperator<Reply> change) {
    }
    /** The client's own connection to the primary (blocking commands, PUBLISH, subscriptions), opened on first use. */
    PrimaryLink link;
    /** A command runs on {@link #link} (or the client is subscribed): later commands wait in {@link #held}. */
    boolean linkBusy;
    /** The command waiting to run on the link once every earlier reply is out, and its verdict. */
    Command linkCommand;
    Object linkVerdict;
    final ArrayDeque<Command> held = new ArrayDeque<>();
    /** QUIT was read: the connection closes once its reply is written, later commands are not run. */
    boolean quitting;
    /** HELLO 3 was answered: replies to later commands go out in RESP3. */
    boolean resp3;
    private final Map<Command, Reply> answers = new IdentityHashMap<>();
    /** From the first HELLO 3 on: the RESP3 shape of each command's reply, in the order the replies go out. */
    private ArrayDeque<Resp3.Shape> shapes;
    /** Replies owed, when the first HELLO 3 came, to commands read before it: they go out as RESP2. */
    private long resp2RepliesOwed;
    private long commandsRead;
    private long repliesWritten;

    static ClientSession attach(Channel channel, boolean authenticated) {
        ClientSession session = new ClientSession();
        session.authenticated = authenticated;
        channel.attr(KEY).set(session);
        return session;
    }

    /** The session of a command's connection, or null when Camellia gives no channel. */
    static ClientSession of(Command command) {
        if (command.getChannelInfo() == null || command.getChannelInfo().getCtx() == null) {
            return null;
        }
        return command.getChannelInfo().getCtx().channel().attr(KEY).get();
    }

    /** A command was read; its reply will be written in the order commands were read. */
    void read(String name, byte[][] args) {
        commandsRead++;
        if (shapes == null) {
            if (!resp3) {
                return;
            }
            shapes = new ArrayDeque<>();
            resp2RepliesOwed = commandsRead - 1 - repliesWritten;
        }
        shapes.add(resp3 ? Resp3.shapeOf(name, args) : Resp3.Shape.RESP2);
    }

    /** The command just read is the journaled write {@code write} (null: it is not one). */
    void awaitReply(JournalPlugin.PendingWrite write) {
        awaitingReply.add(write == null ? NOT_JOURNALED : write);
    }

    /** The journaled write the reply now going out answers, or null. */
    JournalPlugin.PendingWrite replied() {
        Object next = awaitingReply.poll();
        return next instanceof JournalPlugin.PendingWrite write ? write : null;
    }

    /** The journaled writes whose replies will not go out (the connection closed). */
    java.util.List<JournalPlugin.PendingWrite> unanswered() {
        java.util.List<JournalPlugin.PendingWrite> writes = new java.util.ArrayList<>();
        for (Object next = awaitingReply.poll(); next != null; next = awaitingReply.poll()) {
            if (next instanceof JournalPlugin.PendingWrite write) {
                writes.add(write);
            }
        }
        return writes;
    }

    /** The reply to the command being decided now (not read yet) goes out changed by {@code change}. */
    void rewriteReply(java.util.function.UnaryOperator<Reply> change) {
        if (rewrites == null) {
            rewrites = new ArrayDeque<>();
        }
        rewrites.add(new Rewrite(commandsRead + 1, change));
    }

    /** The reply about to be written, in the protocol of the command it answers. */
    Reply outgoing(Reply reply) {
        repliesWritten++;
        if (rewrites != null && !rewrites.isEmpty() && rewrites.peek().replyNumber() == repliesWritten) {
            reply = rewrites.poll().change().apply(reply);
        }
        if (shapes == null) {
            return reply;
        }
        if (resp2RepliesOwed > 0) {
            resp2RepliesOwed--;
            return reply;
        }
        Resp3.Shape shape = shapes.poll();
        return shape == null ? reply : Resp3.of(reply, shape);
    }

    /** Replies still owed to the commands read before the last one. */
    long owedBeforeLast() {
        return commandsRead - 1 - repliesWritten;
    }

    /** A reply went to the client as the primary sent it, in the connection's protocol already: only counted. */
    void sentDirectly() {
        repliesWritten++;
        if (rewrites != null && !rewrites.isEmpty() && rewrites.peek().replyNumber() == repliesWritten) {
            rewrites.poll();
        }
        if (shapes == null) {
            return;
        }
        if (resp2RepliesOwed > 0) {
            resp2RepliesOwed--;
            return;
        }
        shapes.poll();
    }

    void answer(Command command, Reply reply) {
        answers.put(command, reply);
    }

    /** The answer decided for this command (removed), or null when it is to be forwarded. */
    Reply takeAnswer(Command command) {
        return answers.isEmpty() ? null : answers.remove(command);
    }
}
