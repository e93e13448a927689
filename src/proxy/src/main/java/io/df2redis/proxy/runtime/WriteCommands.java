package io.df2redis.proxy.runtime;

import com.netease.nim.camellia.redis.proxy.command.Command;
import com.netease.nim.camellia.redis.proxy.enums.RedisCommand;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which commands write data, and which keys they write. Camellia 1.1.1 types some writing
 * commands as reads ({@code LTRIM}, {@code SORT ... STORE}, {@code BITFIELD ... SET/INCRBY},
 * {@code GEORADIUS[BYMEMBER] ... STORE/STOREDIST}); those are recognised from their arguments,
 * and a STORE destination, which is not among Camellia's keys, is parsed from them.
 */
final class WriteCommands {

    private WriteCommands() {
    }

    /** The keys the command writes, or null when it writes no data. */
    static byte[][] writtenKeys(Command command) {
        RedisCommand redisCommand = command.getRedisCommand();
        if (redisCommand == null) {
            return null;
        }
        byte[][] args = command.getObjects();
        switch (redisCommand) {
            case LTRIM:
                return keys(command);
            case SORT:
                return argumentAfter(args, "STORE", 2);
            case BITFIELD:
                return hasAny(args, 2, "SET", "INCRBY") ? keys(command) : null;
            case GEORADIUS:
                return argumentAfter(args, "STORE", "STOREDIST", 6);
            case GEORADIUSBYMEMBER:
                return argumentAfter(args, "STORE", "STOREDIST", 5);
            default:
                break;
        }
        if (redisCommand.getType() != RedisCommand.Type.WRITE) {
            return null;
        }
        byte[][] keys = keys(command);
        return keys.length == 0 ? null : keys;
    }

    private static byte[][] keys(Command command) {
        List<byte[]> keys = command.getKeys();
        return keys == null ? new byte[0][] : keys.toArray(new byte[0][]);
    }

    /** True when an argument from {@code from} on is one of {@code words} (any case). */
    static boolean hasAny(byte[][] args, int from, String... words) {
        for (int i = from; i < args.length; i++) {
            String arg = new String(args[i], StandardCharsets.UTF_8).toUpperCase(Locale.ROOT);
            for (String word : words) {
                if (word.equals(arg)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static byte[][] argumentAfter(byte[][] args, String word, int from) {
        return argumentAfter(args, word, word, from);
    }

    /** The argument after STORE (or STOREDIST): the destination key; null when there is none. */
    private static byte[][] argumentAfter(byte[][] args, String word, String otherWord, int from) {
        List<byte[]> destinations = new ArrayList<>(1);
        for (int i = from; i < args.length - 1; i++) {
            String arg = new String(args[i], StandardCharsets.UTF_8).toUpperCase(Locale.ROOT);
            if (arg.equals(word) || arg.equals(otherWord)) {
                destinations.add(args[i + 1]);
                i++;
            }
        }
        return destinations.isEmpty() ? null : destinations.toArray(new byte[0][]);
    }

    /** Commands that cannot be dual-written (by lower-case name), counted for precheck and status. Null for others. */
    static String incompatible(Command command, String name) {
        RedisCommand redisCommand = command.getRedisCommand();
        if (redisCommand == null) {
            return name.isEmpty() ? null : "unknown:" + name;
        }
        switch (redisCommand) {
            case KEYS: case RANDOMKEY:
                return name;
            default:
                return null;
        }
    }
}
