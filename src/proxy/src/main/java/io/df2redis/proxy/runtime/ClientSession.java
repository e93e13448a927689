package io.df2redis.proxy.runtime;

import com.netease.nim.camellia.redis.proxy.command.Command;
import com.netease.nim.camellia.redis.proxy.reply.Reply;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
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
    /** A MULTI was refused: commands up to its EXEC or DISCARD are refused too, so none runs outside the transaction. */
    boolean inRefusedTransaction;
    /** QUIT was read: the connection closes once its reply is written, later commands are not run. */
    boolean quitting;
    private final Map<Command, Reply> answers = new IdentityHashMap<>();

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

    void answer(Command command, Reply reply) {
        answers.put(command, reply);
    }

    /** The answer decided for this command (removed), or null when it is to be forwarded. */
    Reply takeAnswer(Command command) {
        return answers.isEmpty() ? null : answers.remove(command);
    }
}
