package io.df2redis.proxy.runtime;

import java.util.Locale;

/** Commands the migration proxy refuses, with the reason an application's operator reads in the error. */
final class RefusedCommands {

    private RefusedCommands() {
    }

    /** The error for a refused command (by lower-case name), or null when it is not refused here. */
    static String reason(String name) {
        switch (name) {
            case "fcall": case "fcall_ro": case "function":
                return "ERR df2redis proxy: " + name.toUpperCase(Locale.ROOT) + " refused: Redis functions cannot be migrated (Dragonfly has no "
                        + "FUNCTION command, so a library loaded through the proxy would exist on one side only and vanish on a rollback); "
                        + "run the code as a Lua script (EVAL/EVALSHA) during the migration";
            case "flushdb": case "flushall": case "swapdb": case "move":
                return "ERR df2redis proxy: " + name.toUpperCase(Locale.ROOT) + " refused: it would change data behind the migration's journal";
            case "acl": case "module": case "latency": case "command": case "lolwut": case "replconf": case "restore-asking":
            case "pfdebug": case "pfselftest": case "replicaof": case "failover": case "psync": case "readwrite":
            case "config": case "debug": case "shutdown": case "save": case "bgsave": case "bgrewriteaof": case "lastsave":
            case "slaveof": case "monitor": case "sync": case "slowlog": case "sentinel": case "migrate": case "cluster":
            case "asking": case "readonly":
                return administrative(name);
            default:
                return null;
        }
    }

    static String administrative(String name) {
        return "ERR df2redis proxy: " + name.toUpperCase(Locale.ROOT) + " refused: it acts on one server, not on the migrated data; "
                + "run it on the source or the target directly";
    }
}
