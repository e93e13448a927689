package io.df2redis.proxy.runtime;

import com.netease.nim.camellia.redis.proxy.command.Command;
import com.netease.nim.camellia.redis.proxy.plugin.ProxyBeanFactory;
import com.netease.nim.camellia.redis.proxy.plugin.ProxyPlugin;
import com.netease.nim.camellia.redis.proxy.plugin.ProxyPluginOrder;
import com.netease.nim.camellia.redis.proxy.plugin.ProxyPluginResponse;
import com.netease.nim.camellia.redis.proxy.plugin.ProxyReply;
import com.netease.nim.camellia.redis.proxy.plugin.ProxyRequest;
import com.netease.nim.camellia.redis.proxy.reply.ErrorReply;
import com.netease.nim.camellia.redis.proxy.reply.Reply;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The df2redis plugin inside Camellia. For every data-writing command: the fence decides whether it
 * may go on, an intent record is in the journal before the command is forwarded, and a commit
 * record follows the primary's reply (invariant I1). Camellia lets a command pass when a plugin
 * throws, so every path here catches and decides explicitly: a write that cannot be journaled is
 * refused. Command arguments are never logged (the plugin also sees AUTH).
 */
public final class JournalPlugin implements ProxyPlugin {

    private final DirtyKeyJournal journal;
    private final MetaCas metaCas;
    private final Fence fence;
    private final String fenceMessage;
    private final UnappliedWrites unapplied;
    /** Journaled writes forwarded and not answered yet. */
    private final LongAdder inflight = new LongAdder();
    private final Map<String, LongAdder> incompatible = new ConcurrentHashMap<>();
    private final LongAdder fenced = new LongAdder();
    private final Scripts scripts;

    /** A write the gate admitted; its sequence is set once its intent is in the journal, its commit follows its reply. */
    static final class PendingWrite {
        final byte[][] keys;
        long seq = -1;
        long ts;

        PendingWrite(byte[][] keys) {
            this.keys = keys;
        }
    }

    JournalPlugin(DirtyKeyJournal journal, MetaCas metaCas, Fence fence, String fenceMessage, UnappliedWrites unapplied, Scripts scripts) {
        this.unapplied = unapplied;
        this.scripts = scripts;
        this.journal = journal;
        this.metaCas = metaCas;
        this.fence = fence;
        this.fenceMessage = fenceMessage;
    }

    @Override
    public void init(ProxyBeanFactory factory) {
    }

    @Override
    public ProxyPluginOrder order() {
        return new ProxyPluginOrder() {
            @Override
            public int request() {
                return Integer.MAX_VALUE;
            }

            @Override
            public int reply() {
                return Integer.MAX_VALUE;
            }
        };
    }

    /**
     * Answers the commands the {@link CommandGate} decided not to forward. Journaling and the fence
     * are decided in the gate ({@link #admit}), so a refusal never ends Camellia's batch early.
     */
    @Override
    public ProxyPluginResponse executeRequest(ProxyRequest request) {
        try {
            Command command = request.getCommand();
            ClientSession session = ClientSession.of(command);
            Reply answer = session == null ? null : session.takeAnswer(command);
            return answer == null ? ProxyPluginResponse.SUCCESS : new ProxyPluginResponse(false, answer);
        } catch (RuntimeException e) {
            System.err.println("df2redis-proxy: command refused, plugin error: " + e.getClass().getSimpleName());
            return new ProxyPluginResponse(false, "ERR df2redis proxy plugin error; command refused");
        }
    }

    /**
     * Called by the gate for each command it will forward: a command that writes {@code keys} must
     * pass the fence; one that writes nothing ({@code keys} null) passes.
     *
     * @return null when the command may go on (its intent follows in {@link #journal}), else the error to answer it with
     */
    Reply fence(byte[][] keys) {
        if (keys == null || fence.admit()) {
            return null;
        }
        fenced.increment();
        return new ErrorReply(fenceMessage);
    }

    /** A write the gate admitted: journaled with the others of its run before any is forwarded. */
    record Admitted(Command command, DirtyKeyJournal.Intent intent, PendingWrite pending) {
    }

    /**
     * Writes the intents of a run's writes in one journal write (invariant I1: before any of them is
     * forwarded) and counts them in flight until their replies.
     *
     * @return null when journaled, else the error every one of them must be answered with (none was run)
     */
    Reply journal(List<Admitted> writes, boolean trackForReads) {
        if (writes.isEmpty()) {
            return null;
        }
        try {
            List<DirtyKeyJournal.Intent> intents = new java.util.ArrayList<>(writes.size());
            for (Admitted write : writes) {
                intents.add(write.intent());
            }
            long[] seqs = journal.intents(intents);
            if (seqs == null) {
                return new ErrorReply("ERR df2redis proxy: write refused: the journal cannot be written (" + journal.lastFailure()
                        + "); nothing was run");
            }
            long now = System.currentTimeMillis();
            for (int i = 0; i < seqs.length; i++) {
                DirtyKeyJournal.Intent intent = writes.get(i).intent();
                unapplied.written(intent.db(), intent.keys(), seqs[i], trackForReads);
                PendingWrite pending = writes.get(i).pending();
                pending.seq = seqs[i];
                pending.ts = now;
                inflight.increment();
            }
            return null;
        } catch (RuntimeException e) {
            System.err.println("df2redis-proxy: write refused, plugin error: " + e.getClass().getSimpleName());
            return new ErrorReply("ERR df2redis proxy plugin error; write refused, nothing was run");
        }
    }

    /** The client is being sent the reply of a journaled write: its commit record, then the meta hook. */
    void answered(PendingWrite write, Reply reply) {
        if (write.seq < 0) {
            return;
        }
        inflight.decrement();
        try {
            boolean ok = !(reply instanceof ErrorReply);
            journal.commit(write.seq, ok);
            if (ok) {
                metaCas.written(write.keys, write.ts);
            }
        } catch (RuntimeException e) {
            System.err.println("df2redis-proxy: commit record failed: " + e.getClass().getSimpleName());
        }
    }

    /**
     * A blocking write's first intent gets its commit at once, before the command runs: it may wait
     * for ever, and an intent without a commit holds the drain back. It stays in flight until
     * {@link #abandoned} (the fence waits for it, or releases it); what it changes is journaled again
     * when it returns (see {@code PrimaryLink}).
     */
    void committedBeforeRun(PendingWrite write) {
        if (write.seq >= 0) {
            journal.commit(write.seq, true);
        }
    }

    /** The client went away before the reply of a journaled write: no commit (the drain treats it as unknown). */
    void abandoned(PendingWrite write) {
        if (write.seq >= 0) {
            inflight.decrement();
        }
    }

    /** Counts a command that cannot be dual-written (whether it is then refused or forwarded), for precheck and status. */
    void noteIfUnmirrorable(Command command, String name) {
        String unmirrored = WriteCommands.incompatible(command, name);
        if (unmirrored != null) {
            incompatible.computeIfAbsent(unmirrored, k -> new LongAdder()).increment();
        }
    }

    /** The scripts seen through the proxy: recorded bodies, EVALSHA sent as EVAL, script runs counted. */
    Scripts scripts() {
        return scripts;
    }

    /** Writes forwarded and not answered yet (a write whose client went away drops out then). */
    long inflight() {
        return inflight.sum();
    }

    long fencedWrites() {
        return fenced.sum();
    }

    Map<String, Long> incompatibleCommands() {
        Map<String, Long> counts = new java.util.TreeMap<>();
        incompatible.forEach((name, count) -> counts.put(name, count.sum()));
        return counts;
    }
}
