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
    private final PrimaryLinks links;
    private ClientSession session;
    /** The keys of the MULTI block whose EXEC was just decided (read once, by {@link #writtenKeys}). */
    private byte[][] execWrites;

    /** A command that runs on the client's own connection to the primary ({@link PrimaryLink}). */
    private record Linked(String name, LinkedCommands.Blocking blocking, boolean subscribes) {
    }

    CommandGate(LocalCommands local, JournalPlugin journal, RouteUpdater route, UnappliedWrites unapplied, PrimaryLinks links) {
        this.links = links;
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
        if (session.link != null) {
            session.link.close();
        }
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
        if (session.linkBusy) {
            whileLinked(ctx, commands);
            return;
        }
        List<Command> run = new ArrayList<>(commands.size());
        List<JournalPlugin.Admitted> writes = new ArrayList<>();
        boolean trackForReads = route.multiBackend();
        for (int i = 0; i < commands.size(); i++) {
            Command command = commands.get(i);
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
            if (verdict instanceof Linked linked) {
                session.awaitReply(null);
                if (!run.isEmpty()) {
                    hand(ctx, run, writes, trackForReads);
                }
                session.held.addAll(commands.subList(i + 1, commands.size()));
                park(ctx, command, linked);
                return;
            }
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
        Object linked = linked(command, name);
        if (linked != null) {
            return linked;
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

    /** A {@link Linked} command, an error for one that cannot run, or null for the others. */
    private Object linked(Command command, String name) {
        boolean subscribes = LinkedCommands.subscription(name);
        LinkedCommands.Blocking blocking;
        try {
            blocking = subscribes || LinkedCommands.publishing(name) ? null : LinkedCommands.blocking(name, command.getObjects());
        } catch (IllegalArgumentException malformed) {
            return new ErrorReply(malformed.getMessage());
        }
        if (!subscribes && blocking == null && !LinkedCommands.publishing(name)) {
            return null;
        }
        if (session.link == null && links.activeLinks() >= PrimaryLinks.MAX_LINKS) {
            return new ErrorReply("ERR df2redis proxy: " + name.toUpperCase(Locale.ROOT) + " refused: " + PrimaryLinks.MAX_LINKS
                    + " clients are already blocked or subscribed through this proxy; retry later or use fewer connections");
        }
        if (name.equals("ssubscribe") && route.clusterBackend()) {
            return new ErrorReply("ERR df2redis proxy: SSUBSCRIBE refused while a Redis Cluster is a backend: use SUBSCRIBE through the proxy");
        }
        return new Linked(name, blocking, subscribes);
    }

    /** Holds the rest of the client's pipeline and runs the command on its link once every earlier reply is out. */
    private void park(ChannelHandlerContext ctx, Command command, Linked linked) {
        if (session.link == null) {
            session.link = new PrimaryLink(links, this, session, ctx);
            links.admit(session.link);
        }
        session.linkBusy = true;
        session.linkCommand = command;
        session.linkVerdict = linked;
        ctx.channel().config().setAutoRead(false);
        startLinkWhenCaughtUp(ctx);
    }

    private void startLinkWhenCaughtUp(ChannelHandlerContext ctx) {
        if (session.linkCommand == null || session.owedBeforeLast() != 0) {
            return;
        }
        Command command = session.linkCommand;
        Linked linked = (Linked) session.linkVerdict;
        session.linkCommand = null;
        session.linkVerdict = null;
        if (linked.subscribes()) {
            // its confirmations, and every message after them, go out as the primary sends them
            session.sentDirectly();
            session.replied();
            session.link.subscribe(linked.name(), command.getObjects());
            resumeHeld(ctx);
        } else {
            session.link.runOnce(linked.name(), command.getObjects(), linked.blocking());
        }
    }

    /** Commands read while the link is busy: a subscribed client's go to the primary; the others wait their turn. */
    private void whileLinked(ChannelHandlerContext ctx, List<Command> commands) {
        PrimaryLink link = session.link;
        for (Command command : commands) {
            if (session.held.isEmpty() && session.linkCommand == null && link.subscribed()) {
                String name = command.getName() == null ? "" : command.getName().toLowerCase(Locale.ROOT);
                if (link.fromClient(name, command)) {
                    continue;
                }
            }
            session.held.add(command);
        }
        if (!session.held.isEmpty()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    private void resumeHeld(ChannelHandlerContext ctx) {
        List<Command> held = new ArrayList<>(session.held);
        session.held.clear();
        if (!held.isEmpty()) {
            channelRead(ctx, held);
        }
        if (session.held.isEmpty() && session.linkCommand == null && !links.readsHeld()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    /** The reply of the command run on the link (any thread): written, then the held commands go on. */
    void linkReplied(ChannelHandlerContext ctx, byte[] raw) {
        ctx.channel().eventLoop().execute(() -> {
            ctx.writeAndFlush(rawReply(raw));
            session.sentDirectly();
            session.replied();
            session.linkBusy = false;
            resumeHeld(ctx);
        });
    }

    /** A frame of a subscribed client's primary, passed on as it came (any thread; Netty keeps their order). */
    void linkFrame(ChannelHandlerContext ctx, byte[] raw) {
        ctx.writeAndFlush(rawReply(raw));
    }

    /** No subscription is left (or RESET ended them): the client's later commands take the usual way again. */
    void linkEnded(ChannelHandlerContext ctx, boolean wasReset) {
        ctx.channel().eventLoop().execute(() -> {
            if (wasReset) {
                local.reset(session);
            }
            session.linkBusy = false;
            resumeHeld(ctx);
        });
    }

    /** QUIT answered by the primary, or a subscriber's primary went away: the client's connection closes. */
    void linkQuit(ChannelHandlerContext ctx) {
        ctx.channel().eventLoop().execute(() -> ctx.close());
    }

    private static Reply rawReply(byte[] raw) {
        return out -> out.writeBytes(raw);
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
        if (LinkedCommands.subscription(name) || blocks(command, name)) {
            return "ERR df2redis proxy: " + name.toUpperCase(Locale.ROOT) + " inside MULTI refused: the block runs as one script, "
                    + "where a command cannot block or subscribe; send it outside MULTI (or use the non-blocking form)";
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

    private static boolean blocks(Command command, String name) {
        try {
            return LinkedCommands.blocking(name, command.getObjects()) != null;
        } catch (IllegalArgumentException malformed) {
            return true;
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
        if (session.linkCommand != null && session.owedBeforeLast() == 0) {
            ctx.channel().eventLoop().execute(() -> startLinkWhenCaughtUp(ctx));
        }
        Object written = outgoing == reply ? msg : new ReplyPack(outgoing, pack.getId());
        if (reply instanceof ClosingReply) {
            ctx.write(written, promise.unvoid()).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.write(written, promise);
    }

}
