package io.df2redis.proxy.runtime;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * The commands that hold a server connection, or must reach the primary alone, and so run on a
 * client's own connection to the primary ({@link PrimaryLink}) instead of Camellia's shared ones:
 * the blocking commands, {@code PUBLISH}, and the subscriptions.
 */
final class LinkedCommands {

    private LinkedCommands() {
    }

    /**
     * A blocking command as the link runs it: the keys it may change (journaled before it is sent),
     * where its timeout is, and in which unit.
     */
    record Blocking(String name, byte[][] keys, boolean writes, int timeoutIndex, boolean millis) {

        /** The timeout the client gave, in milliseconds; 0 is "for ever". */
        long timeoutMillis(byte[][] args) {
            double value = Double.parseDouble(new String(args[timeoutIndex], StandardCharsets.US_ASCII));
            return millis ? (long) value : (long) Math.ceil(value * 1000);
        }

        /** The same command with {@code remainingMillis} as its timeout. */
        byte[][] withTimeout(byte[][] args, long remainingMillis) {
            byte[][] copy = args.clone();
            String value = millis ? Long.toString(remainingMillis) : String.format(Locale.ROOT, "%.3f", remainingMillis / 1000.0);
            copy[timeoutIndex] = value.getBytes(StandardCharsets.US_ASCII);
            return copy;
        }
    }

    /** The commands that enter, change or leave subscribed mode: {@code [P|S]SUBSCRIBE}, {@code [P|S]UNSUBSCRIBE}. */
    static boolean subscription(String name) {
        switch (name) {
            case "subscribe": case "psubscribe": case "ssubscribe": case "unsubscribe": case "punsubscribe": case "sunsubscribe":
                return true;
            default:
                return false;
        }
    }

    static boolean publishing(String name) {
        return name.equals("publish") || name.equals("spublish");
    }

    /** True for the commands a connection in subscribed mode may send (RESP2 allows no others). */
    static boolean allowedWhileSubscribed(String name) {
        switch (name) {
            case "ping": case "quit": case "reset":
                return true;
            default:
                return subscription(name);
        }
    }

    /**
     * The blocking form of a command, or null when it does not block ({@code XREAD} without
     * {@code BLOCK}) or is not a blocking command.
     *
     * @throws IllegalArgumentException when its arguments are malformed (the message is the client's error)
     */
    static Blocking blocking(String name, byte[][] args) {
        switch (name) {
            case "blpop": case "brpop": case "bzpopmin": case "bzpopmax":
                requireArgs(name, args, 3);
                return new Blocking(name, Arrays.copyOfRange(args, 1, args.length - 1), true, args.length - 1, false);
            case "brpoplpush":
                requireArgs(name, args, 4);
                return new Blocking(name, new byte[][] {args[1], args[2]}, true, 3, false);
            case "blmove":
                requireArgs(name, args, 6);
                return new Blocking(name, new byte[][] {args[1], args[2]}, true, 5, false);
            case "blmpop": case "bzmpop": {
                requireArgs(name, args, 5);
                int count = number(name, args[2]);
                if (count < 1 || 3 + count > args.length) {
                    throw new IllegalArgumentException("ERR numkeys should be greater than 0 and fit the arguments of '" + name + "'");
                }
                return new Blocking(name, Arrays.copyOfRange(args, 3, 3 + count), true, 1, false);
            }
            case "xread": case "xreadgroup":
                return streamRead(name, args);
            default:
                return null;
        }
    }

    private static Blocking streamRead(String name, byte[][] args) {
        int block = -1;
        int streams = -1;
        for (int i = 1; i < args.length; i++) {
            String word = new String(args[i], StandardCharsets.UTF_8).toUpperCase(Locale.ROOT);
            if (word.equals("BLOCK") && i + 1 < args.length) {
                block = i + 1;
            } else if (word.equals("STREAMS")) {
                streams = i;
                break;
            }
        }
        if (block < 0) {
            return null;
        }
        int rest = streams < 0 ? 0 : args.length - streams - 1;
        if (streams < 0 || rest == 0 || rest % 2 != 0) {
            throw new IllegalArgumentException("ERR Unbalanced '" + name + "' list of streams: for each stream key an ID or '$' must be specified.");
        }
        number(name, args[block]);
        return new Blocking(name, Arrays.copyOfRange(args, streams + 1, streams + 1 + rest / 2), name.equals("xreadgroup"), block, true);
    }

    private static void requireArgs(String name, byte[][] args, int least) {
        if (args.length < least) {
            throw new IllegalArgumentException("ERR wrong number of arguments for '" + name + "' command");
        }
    }

    private static int number(String name, byte[] arg) {
        try {
            return Integer.parseInt(new String(arg, StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("ERR value is not an integer or out of range ('" + name + "')");
        }
    }
}
