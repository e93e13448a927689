package io.df2redis.proxy.runtime;

import com.netease.nim.camellia.redis.proxy.command.Command;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Redis 7 commands that Camellia 1.1.1 does not know ({@code COPY}, {@code LMPOP}, {@code ZMPOP},
 * {@code SINTERCARD}, {@code XAUTOCLAIM}, {@code OBJECT}, {@code DBSIZE}, {@code TIME}, ...) are sent as
 * {@code EVAL "return redis.pcall(unpack(ARGV))" <n> <keys> <command and its arguments>}: Camellia routes
 * an {@code EVAL} by its declared keys like any write (to the primary and its mirror, the primary's
 * reply to the client), the journal records the keys of those that write, and {@code redis.pcall} hands
 * the command's own reply or error back unchanged (RESP2; a null array comes back as a null bulk).
 *
 * <p>The same form carries every command of a connection on a database other than 0, with a
 * {@code SELECT} first: Camellia's backend connections all stay on database 0, and a script's
 * {@code SELECT} ends with the script. And it carries, during the read batches, a read of a key whose
 * newest write the drain has not applied yet ({@link UnappliedWrites}), to the primary.
 */
final class ScriptedCommands {

    private static final byte[] EVAL = "EVAL".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SCRIPT = "return redis.pcall(unpack(ARGV))".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SCRIPT_IN_DATABASE = ("local selected = redis.pcall('SELECT', ARGV[1]) "
            + "if type(selected) == 'table' and selected.err then return selected end "
            + "return redis.pcall(unpack(ARGV, 2))").getBytes(StandardCharsets.US_ASCII);

    private ScriptedCommands() {
    }

    /** True for the commands sent as a script (by lower-case name). */
    static boolean handles(String name) {
        return keyPositions(name, null) != null;
    }

    /** True for the scripted commands that write their keys (the others only read). */
    static boolean writes(String name) {
        switch (name) {
            case "copy": case "lmpop": case "zmpop": case "xautoclaim": case "xsetid":
                return true;
            default:
                return false;
        }
    }

    /**
     * A command Camellia does not know, as an {@code EVAL} on database {@code db}; null when its
     * arguments do not say which keys it touches (the caller refuses it with {@link #refusal}).
     */
    static Command asScript(String name, byte[][] args, int db) {
        int[] positions = keyPositions(name, args);
        if (positions == null) {
            return null;
        }
        byte[][] keys = new byte[positions.length][];
        for (int i = 0; i < positions.length; i++) {
            keys[i] = args[positions[i]];
        }
        return script(db, keys, args);
    }

    /**
     * A read, as an {@code EVAL} with its keys declared: Camellia sends it where writes go, so the primary
     * answers it (the mirror runs it too; its reply is dropped). For reads the mirror may not have caught up on.
     */
    static Command onPrimary(Command read) {
        return script(0, read.getKeys().toArray(new byte[0][]), read.getObjects());
    }

    /** A command Camellia knows, as an {@code EVAL} on database {@code db} (not 0), its keys declared. */
    static Command inDatabase(int db, Command command) {
        return script(db, command.getKeys().toArray(new byte[0][]), command.getObjects());
    }

    private static Command script(int db, byte[][] keys, byte[][] args) {
        int dbArgument = db == 0 ? 0 : 1;
        byte[][] eval = new byte[3 + keys.length + dbArgument + args.length][];
        eval[0] = EVAL;
        eval[1] = db == 0 ? SCRIPT : SCRIPT_IN_DATABASE;
        eval[2] = Integer.toString(keys.length).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(keys, 0, eval, 3, keys.length);
        if (dbArgument == 1) {
            eval[3 + keys.length] = Integer.toString(db).getBytes(StandardCharsets.US_ASCII);
        }
        System.arraycopy(args, 0, eval, 3 + keys.length + dbArgument, args.length);
        return new Command(eval);
    }

    static String refusal(String name, byte[][] args) {
        if (name.equals("copy")) {
            return "ERR df2redis proxy: COPY with DB refused: only database 0 passes through the migration proxy";
        }
        if ((name.equals("object") || name.equals("memory")) && args.length > 1) {
            return RefusedCommands.administrative(name + " " + LocalCommands.text(args[1]));
        }
        return "ERR df2redis proxy: cannot tell which keys '" + name.toUpperCase(Locale.ROOT) + " "
                + (args.length > 1 ? LocalCommands.text(args[1]) : "") + "' touches; check its arguments";
    }

    /** Argument positions of the keys; null when not a scripted command or its arguments do not fit. */
    private static int[] keyPositions(String name, byte[][] args) {
        switch (name) {
            case "dbsize": case "time":
                return new int[0];
            case "expiretime": case "pexpiretime": case "xautoclaim": case "xsetid": case "bitfield_ro": case "sort_ro":
            case "georadius_ro": case "georadiusbymember_ro":
                return args == null || args.length >= 2 ? new int[] {1} : null;
            case "lcs":
                return args == null || args.length >= 3 ? new int[] {1, 2} : null;
            case "copy":
                if (args != null && WriteCommands.hasAny(args, 3, "DB")) {
                    return null;
                }
                return args == null || args.length >= 3 ? new int[] {1, 2} : null;
            case "lmpop": case "zmpop": case "sintercard": case "zintercard":
                return args == null ? new int[0] : counted(args);
            case "object":
                return args == null ? new int[0] : keyAfterSubcommand(args, "ENCODING", "FREQ", "IDLETIME", "REFCOUNT", "HELP");
            case "memory":
                return args == null ? new int[0] : keyAfterSubcommand(args, "USAGE");
            default:
                return null;
        }
    }

    /** {@code <name> numkeys key [key ...] ...}. */
    private static int[] counted(byte[][] args) {
        if (args.length < 3) {
            return null;
        }
        int count;
        try {
            count = Integer.parseInt(LocalCommands.text(args[1]));
        } catch (NumberFormatException e) {
            return null;
        }
        if (count < 1 || 2 + count > args.length) {
            return null;
        }
        int[] keys = new int[count];
        for (int i = 0; i < count; i++) {
            keys[i] = 2 + i;
        }
        return keys;
    }

    private static int[] keyAfterSubcommand(byte[][] args, String... subcommands) {
        if (args.length < 2) {
            return null;
        }
        String sub = LocalCommands.text(args[1]).toUpperCase(Locale.ROOT);
        for (String known : subcommands) {
            if (known.equals(sub)) {
                return sub.equals("HELP") ? new int[0] : args.length >= 3 ? new int[] {2} : null;
            }
        }
        return null;
    }
}
