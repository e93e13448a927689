package io.df2redis.proxy.runtime;

import com.netease.nim.camellia.redis.proxy.command.Command;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Redis 7 commands that Camellia 1.1.1 does not know ({@code COPY}, {@code LMPOP}, {@code ZMPOP},
 * {@code SINTERCARD}, {@code XAUTOCLAIM}, {@code OBJECT}, {@code DBSIZE}, {@code TIME}, ...) are sent as
 * {@code EVAL "return redis.pcall(unpack(ARGV))" <n> <keys> <command and its arguments>}: Camellia routes
 * an {@code EVAL} by its declared keys like any write (to the primary and its mirror, the primary's
 * reply to the client), the journal records those keys, and {@code redis.pcall} hands the command's
 * own reply or error back unchanged (RESP2; a null array comes back as a null bulk).
 */
final class ScriptedCommands {

    private static final byte[] EVAL = "EVAL".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SCRIPT = "return redis.pcall(unpack(ARGV))".getBytes(StandardCharsets.US_ASCII);

    private ScriptedCommands() {
    }

    /** True for the commands sent as a script (by lower-case name). */
    static boolean handles(String name) {
        return keyPositions(name, null) != null;
    }

    /**
     * The command as an {@code EVAL}, or null when its arguments do not say which keys it touches
     * (the caller refuses it with {@link #refusal}).
     */
    static Command asScript(String name, byte[][] args) {
        int[] keys = keyPositions(name, args);
        if (keys == null) {
            return null;
        }
        byte[][] eval = new byte[3 + keys.length + args.length][];
        eval[0] = EVAL;
        eval[1] = SCRIPT;
        eval[2] = Integer.toString(keys.length).getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < keys.length; i++) {
            eval[3 + i] = args[keys[i]];
        }
        System.arraycopy(args, 0, eval, 3 + keys.length, args.length);
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
                if (args != null && hasWord(args, 3, "DB")) {
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

    private static boolean hasWord(byte[][] args, int from, String word) {
        for (int i = from; i < args.length; i++) {
            if (LocalCommands.text(args[i]).equalsIgnoreCase(word)) {
                return true;
            }
        }
        return false;
    }
}
