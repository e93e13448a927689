package io.df2redis.proxy.runtime;

import com.netease.nim.camellia.redis.proxy.command.Command;
import com.netease.nim.camellia.redis.proxy.enums.RedisCommand;
import com.netease.nim.camellia.redis.proxy.reply.ErrorReply;
import com.netease.nim.camellia.redis.proxy.reply.IntegerReply;
import com.netease.nim.camellia.redis.proxy.reply.MultiBulkReply;
import com.netease.nim.camellia.redis.proxy.reply.StatusReply;
import com.netease.nim.camellia.redis.proxy.reply.Reply;
import com.netease.nim.camellia.redis.proxy.reply.ReplyPack;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Decides, per client connection, what happens to every command before Camellia sees it: answered
 * here (the handshake, refusals, NOAUTH), sent as a script ({@link ScriptedCommands}), admitted as a
 * journaled write, or forwarded as it is.
 *
 * <p>Camellia 1.1.1 stops handling a decoded batch at the first command it does not forward (one it
 * answers itself, such as {@code PING}, or one a plugin refuses): every later command of that batch
 * gets neither a reply nor a run. So the batch is cut into runs that each end at such a command and
 * handed on one run at a time. All runs of a connection enter Camellia's per-connection reply queue
 * in order, so replies keep the client's order. Answers decided here reach the client through the
 * plugin ({@link JournalPlugin#executeRequest}), in that same queue.
 */
final class CommandGate extends ChannelDuplexHandler {

    private static final StatusReply QUEUED = new StatusReply("QUEUED");

    private final LocalCommands local;
    private final JournalPlugin journal;
    private final RouteUpdater route;
    private final UnappliedWrites unapplied;
    private ClientSession session;
    /** The keys of the MULTI block whose EXEC was just decided (read once, by {@link #writtenKeys}). */
    private byte[][] execWrites;

    CommandGate(LocalCommands local, JournalPlugin journal, RouteUpdater route, UnappliedWrites unapplied) {
        this.local = local;
        this.journal = journal;
        this.route = route;
        this.unapplied = unapplied;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        session = ClientSession.attach(ctx.channel(), !local.passwordRequired());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        session.unanswered().forEach(journal::abandoned);
        super.channelInactive(ctx);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof List<?>)) {
            ctx.fireChannelRead(msg);
            return;
        }
        List<Command> commands = (List<Command>) msg;
        List<Command> run = new ArrayList<>(commands.size());
        List<JournalPlugin.Admitted> writes = new ArrayList<>();
        boolean trackForReads = route.multiBackend();
        for (Command command : commands) {
            if (session.quitting) {
                break;
            }
            String name = command.getName() == null ? "" : command.getName().toLowerCase(Locale.ROOT);
            journal.noteIfUnmirrorable(command, name);
            Command forwarded = command;
            boolean endsRun;
            Object verdict = decide(ctx, command, name);
            session.read(name, command.getObjects());
            JournalPlugin.PendingWrite pending = null;
            if (verdict instanceof Reply answer) {
                session.answer(command, answer);
                endsRun = true;
            } else {
                forwarded = (Command) verdict;
                endsRun = !camelliaForwards(forwarded);
                if (!endsRun) {
                    byte[][] keys = writtenKeys(name, command, forwarded);
                    Reply fenced = journal.fence(keys);
                    if (fenced != null) {
                        session.answer(forwarded, fenced);
                        endsRun = true;
                    } else if (keys != null) {
                        pending = new JournalPlugin.PendingWrite(keys);
                        writes.add(new JournalPlugin.Admitted(forwarded, new DirtyKeyJournal.Intent(session.db, name, keys), pending));
                    }
                }
            }
            session.awaitReply(pending);
            run.add(forwarded);
            if (endsRun) {
                hand(ctx, run, writes, trackForReads);
                run = new ArrayList<>();
                writes = new ArrayList<>();
            }
        }
        if (!run.isEmpty()) {
            hand(ctx, run, writes, trackForReads);
        }
    }

    /**
     * Hands a run to Camellia once the intents of its writes are in the journal, in one write. When the
     * journal cannot take them, each of those writes is answered with the refusal instead (none runs),
     * and the run is cut after each of them, as after any command Camellia does not forward.
     */
    private void hand(ChannelHandlerContext ctx, List<Command> run, List<JournalPlugin.Admitted> writes, boolean trackForReads) {
        Reply refused = journal.journal(writes, trackForReads);
        if (refused == null) {
            ctx.fireChannelRead(run);
            return;
        }
        java.util.Set<Command> refusedWrites = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        writes.forEach(write -> refusedWrites.add(write.command()));
        List<Command> part = new ArrayList<>();
        for (Command command : run) {
            part.add(command);
            if (refusedWrites.contains(command)) {
                session.answer(command, refused);
                ctx.fireChannelRead(part);
                part = new ArrayList<>();
            }
        }
        if (!part.isEmpty()) {
            ctx.fireChannelRead(part);
        }
    }

    /** A reply to answer with, or the command to forward (the original or its script form). */
    private Object decide(ChannelHandlerContext ctx, Command command, String name) {
        if (!session.authenticated && !LocalCommands.allowedBeforeAuth(name)) {
            return ErrorReply.NO_AUTH;
        }
        if (session.transaction != null) {
            Object inTransaction = inTransaction(command, name);
            if (inTransaction != null) {
                return inTransaction;
            }
        } else {
            switch (name) {
                case "multi":
                    session.transaction = new Transaction();
                    return StatusReply.OK;
                case "exec": case "discard":
                    return new ErrorReply("ERR " + name.toUpperCase(Locale.ROOT) + " without MULTI");
                case "unwatch":
                    session.watches.clear();
                    return StatusReply.OK;
                case "watch":
                    return watch(command);
                default:
                    break;
            }
        }
        if (LocalCommands.handles(name)) {
            return local.answer(name, command, session, ctx.channel().remoteAddress(), ctx.channel().localAddress());
        }
        String refusal = RefusedCommands.reason(name);
        if (refusal != null) {
            return new ErrorReply(refusal);
        }
        if (ScriptedCommands.handles(name)) {
            Command script = ScriptedCommands.asScript(name, command.getObjects(), session.db);
            return script != null ? script : new ErrorReply(ScriptedCommands.refusal(name, command.getObjects()));
        }
        RedisCommand known = command.getRedisCommand();
        if (known == null) {
            return new ErrorReply("ERR unknown command '" + name + "': the df2redis proxy does not know it and did not run it");
        }
        if (known.getSupportType() == RedisCommand.CommandSupportType.NOT_SUPPORT) {
            return new ErrorReply(RefusedCommands.administrative(name));
        }
        if (command.isBlocking() && route.multiBackend()) {
            return new ErrorReply("ERR df2redis proxy: blocking command " + name.toUpperCase(Locale.ROOT) + " refused while writes go to "
                    + "two servers (a blocked pop cannot be mirrored); use the non-blocking form with a retry loop during the migration");
        }
        Object script = journal.scripts().decide(name, command, session.db, route.multiBackend());
        if (script != null) {
            return script; // EVALSHA sent as EVAL with the recorded body, or NOSCRIPT (see Scripts)
        }
        if (session.db != 0 && camelliaForwards(command)) {
            return onDatabase(name, command);
        }
        return staleOnMirror(known, command) ? ScriptedCommands.onPrimary(command) : command;
    }

    /** A read that the route may send to the mirror, of a key whose newest write the mirror may not have yet. */
    private boolean staleOnMirror(RedisCommand known, Command command) {
        if (known.getType() != RedisCommand.Type.READ || !route.readsFromMirror() || !camelliaForwards(command)) {
            return false;
        }
        java.util.List<byte[]> keys = command.getKeys();
        return !keys.isEmpty() && unapplied.unapplied(0, keys);
    }

    /** A command of a connection on database n (not 0): as a script that selects n first. */
    private Object onDatabase(String name, Command command) {
        switch (command.getRedisCommand()) {
            case SCRIPT: case PUBLISH:
                return command;
            case EVAL: case EVALSHA: case EVAL_RO: case EVALSHA_RO:
                return new ErrorReply("ERR df2redis proxy: " + name.toUpperCase(Locale.ROOT) + " on database " + session.db + " refused: "
                        + "scripts run through the migration proxy on database 0 only");
            default:
                if (command.isBlocking()) {
                    return new ErrorReply("ERR df2redis proxy: blocking command " + name.toUpperCase(Locale.ROOT) + " on database "
                            + session.db + " refused: it cannot run inside the script that selects the database");
                }
                return ScriptedCommands.inDatabase(session.db, command);
        }
    }

    /** The keys the client's command writes, or null: the journal records them before it is forwarded. */
    private byte[][] writtenKeys(String name, Command original, Command forwarded) {
        if (name.equals("exec") && forwarded != original) {
            byte[][] keys = execWrites;
            execWrites = null;
            return keys;
        }
        if (ScriptedCommands.handles(name)) {
            if (!ScriptedCommands.writes(name)) {
                return null;
            }
            java.util.List<byte[]> keys = forwarded.getKeys();
            return keys.isEmpty() ? null : keys.toArray(new byte[0][]);
        }
        return WriteCommands.writtenKeys(original);
    }

    /**
     * A command of a connection inside MULTI: EXEC (the block as one script), DISCARD, an error, or
     * QUEUED; null for the commands that keep their meaning inside a block (QUIT, RESET).
     */
    private Object inTransaction(Command command, String name) {
        Transaction transaction = session.transaction;
        switch (name) {
            case "exec":
                session.transaction = null;
                boolean undecided = session.watches.undecided();
                List<byte[][]> watched = session.watches.keysAndDigests();
                session.watches.clear();
                if (transaction.aborted()) {
                    return new ErrorReply("EXECABORT Transaction discarded because of previous errors.");
                }
                if (undecided) {
                    // a WATCH's digests are not back yet (WATCH and EXEC in one write): abort, as a changed key would
                    return MultiBulkReply.NIL_REPLY;
                }
                if (transaction.isEmpty() && watched.isEmpty()) {
                    return MultiBulkReply.EMPTY;
                }
                execWrites = transaction.writtenKeys();
                session.rewriteReply(reply -> reply instanceof IntegerReply ? MultiBulkReply.NIL_REPLY : reply);
                return transaction.asScript(session.db, watched);
            case "discard":
                session.transaction = null;
                session.watches.clear();
                return StatusReply.OK;
            case "multi":
                return new ErrorReply("ERR MULTI calls can not be nested");
            case "watch":
                return new ErrorReply("ERR WATCH inside MULTI is not allowed");
            case "quit": case "reset":
                return null;
            default:
                String refused = unqueueable(command, name);
                if (refused != null) {
                    return new ErrorReply(transaction.abort(refused));
                }
                List<byte[]> touched = ScriptedCommands.handles(name)
                        ? ScriptedCommands.asScript(name, command.getObjects(), 0).getKeys() : command.getKeys();
                byte[][] writes = ScriptedCommands.handles(name)
                        ? (ScriptedCommands.writes(name) ? touched.toArray(new byte[0][]) : null)
                        : WriteCommands.writtenKeys(command);
                String tooLarge = transaction.queue(command.getObjects(), touched == null ? List.of() : touched, writes);
                return tooLarge != null ? new ErrorReply(tooLarge) : QUEUED;
        }
    }

    /** WATCH: forwarded as the script that answers the keys' digests; the client gets OK once they are kept. */
    private Object watch(Command command) {
        byte[][] args = command.getObjects();
        if (args.length < 2) {
            return new ErrorReply("ERR wrong number of arguments for 'watch' command");
        }
        byte[][] keys = java.util.Arrays.copyOfRange(args, 1, args.length);
        Watches watches = session.watches;
        long generation = watches.expect();
        session.rewriteReply(reply -> watches.answered(generation, keys, reply));
        return Watches.digestScript(keys, session.db);
    }

    /** Why a command cannot be part of a MULTI block through the proxy, or null when it can. */
    private static String unqueueable(Command command, String name) {
        if (LocalCommands.handles(name)) {
            return name.equals("ping") || name.equals("echo") ? null : "ERR df2redis proxy: " + name.toUpperCase(Locale.ROOT)
                    + " inside MULTI refused: the block runs as one script, which keeps the connection's settings; send it before MULTI";
        }
        String refusal = RefusedCommands.reason(name);
        if (refusal != null) {
            return refusal;
        }
        if (ScriptedCommands.handles(name)) {
            return ScriptedCommands.asScript(name, command.getObjects(), 0) == null ? ScriptedCommands.refusal(name, command.getObjects()) : null;
        }
        RedisCommand known = command.getRedisCommand();
        if (known == null) {
            return "ERR unknown command '" + name + "': the df2redis proxy does not know it and did not queue it";
        }
        if (known.getSupportType() == RedisCommand.CommandSupportType.NOT_SUPPORT) {
            return RefusedCommands.administrative(name);
        }
        switch (known) {
            case EVAL: case EVALSHA: case EVAL_RO: case EVALSHA_RO: case SCRIPT:
                return "ERR df2redis proxy: " + name.toUpperCase(Locale.ROOT) + " inside MULTI refused: the block runs as one script, "
                        + "and a script cannot run another; run the script on its own (a script is atomic by itself)";
            default:
                return null;
        }
    }

    /** False for the commands Camellia answers or refuses itself: each must end a run. */
    private static boolean camelliaForwards(Command command) {
        RedisCommand known = command.getRedisCommand();
        if (known == null || known.getSupportType() == RedisCommand.CommandSupportType.NOT_SUPPORT) {
            return false;
        }
        switch (known) {
            case PING: case AUTH: case HELLO: case SELECT: case INFO: case CLIENT: case QUIT:
            case SUBSCRIBE: case PSUBSCRIBE: case UNSUBSCRIBE: case PUNSUBSCRIBE:
                return false;
            default:
                return true;
        }
    }

    /** Sends each reply in its command's protocol (RESP2, or RESP3 after HELLO 3); closes the connection once QUIT's is written. */
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ReplyPack pack)) {
            ctx.write(msg, promise);
            return;
        }
        Reply reply = pack.getReply();
        JournalPlugin.PendingWrite answered = session.replied();
        if (answered != null) {
            journal.answered(answered, reply);
        }
        Reply outgoing = session.outgoing(reply);
        Object written = outgoing == reply ? msg : new ReplyPack(outgoing, pack.getId());
        if (reply instanceof ClosingReply) {
            ctx.write(written, promise.unvoid()).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.write(written, promise);
    }

}
