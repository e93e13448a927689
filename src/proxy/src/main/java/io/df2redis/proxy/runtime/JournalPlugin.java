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
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
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
    private final Map<Command, Intent> pending = Collections.synchronizedMap(new WeakHashMap<>());
    private final Map<String, LongAdder> incompatible = new ConcurrentHashMap<>();
    private final LongAdder fenced = new LongAdder();

    /** A journaled write waiting for its reply. */
    private record Intent(long seq, long ts, byte[][] keys) {
    }

    JournalPlugin(DirtyKeyJournal journal, MetaCas metaCas, Fence fence, String fenceMessage, UnappliedWrites unapplied) {
        this.unapplied = unapplied;
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
    record Admitted(Command command, DirtyKeyJournal.Intent intent) {
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
                pending.put(writes.get(i).command(), new Intent(seqs[i], now, intent.keys()));
            }
            return null;
        } catch (RuntimeException e) {
            System.err.println("df2redis-proxy: write refused, plugin error: " + e.getClass().getSimpleName());
            return new ErrorReply("ERR df2redis proxy plugin error; write refused, nothing was run");
        }
    }

    @Override
    public ProxyPluginResponse executeReply(ProxyReply reply) {
        try {
            Command command = reply.getCommand();
            if (command == null) {
                return ProxyPluginResponse.SUCCESS;
            }
            Intent intent = pending.remove(command);
            if (intent != null) {
                boolean ok = !(reply.getReply() instanceof ErrorReply);
                journal.commit(intent.seq(), ok);
                if (ok) {
                    metaCas.written(intent.keys(), intent.ts());
                }
            }
        } catch (RuntimeException e) {
            System.err.println("df2redis-proxy: commit record failed: " + e.getClass().getSimpleName());
        }
        return ProxyPluginResponse.SUCCESS;
    }

    /** Counts a command that cannot be dual-written (whether it is then refused or forwarded), for precheck and status. */
    void noteIfUnmirrorable(Command command, String name) {
        String unmirrored = WriteCommands.incompatible(command, name);
        if (unmirrored != null) {
            incompatible.computeIfAbsent(unmirrored, k -> new LongAdder()).increment();
        }
    }

    /** Writes forwarded and not answered yet (a write whose client vanished drops out once collected). */
    long inflight() {
        return pending.size();
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
