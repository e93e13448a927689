package io.df2redis.migration.verify;

import io.df2redis.resp.RespCommands;
import io.df2redis.resp.RespReplies;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The by-value reads of one type on a lean connection ({@link SideAccess#forms}): the command that sizes a
 * key of the type, the one that reads its value, and the value's form, a digest that does not depend on the
 * encoding: hashes, sets and sorted sets digest their members sorted, lists in order, scores as numbers.
 */
enum LeanForm {
    STRING("string", null, "GET"),
    HASH("hash", "HLEN", "HGETALL"),
    LIST("list", "LLEN", "LRANGE"),
    SET("set", "SCARD", "SMEMBERS"),
    ZSET("zset", "ZCARD", "ZRANGE");

    private static final byte[] ALL = RespCommands.tail("0".getBytes(StandardCharsets.US_ASCII), "-1".getBytes(StandardCharsets.US_ASCII));
    private static final byte[] WITHSCORES = RespCommands.tail("WITHSCORES".getBytes(StandardCharsets.US_ASCII));

    final String type;
    final byte[] size;
    final byte[] read;

    LeanForm(String type, String size, String read) {
        this.type = type;
        this.size = size == null ? null : RespCommands.head(2, size.getBytes(StandardCharsets.US_ASCII));
        int arguments = switch (read) {
            case "LRANGE" -> 4;
            case "ZRANGE" -> 5;
            default -> 2;
        };
        this.read = RespCommands.head(arguments, read.getBytes(StandardCharsets.US_ASCII));
    }

    /** The lean reads of a TYPE reply, or null for a type they leave to {@link ValueForm} (or "none"). */
    static LeanForm of(String type) {
        for (LeanForm form : values()) {
            if (form.type.equals(type)) {
                return form;
            }
        }
        return null;
    }

    /** {@code head} (the size or the read) of each key, with the arguments the read takes. */
    RespCommands encode(byte[] head, List<byte[]> keys) {
        RespCommands commands = new RespCommands(keys.stream().mapToInt(k -> k.length + 48).sum());
        for (byte[] key : keys) {
            commands.command(head).arg(key);
            if (head == read && this == LIST) {
                commands.args(ALL);
            } else if (head == read && this == ZSET) {
                commands.args(ALL).args(WITHSCORES);
            }
        }
        return commands;
    }

    /** The form of reply {@code i}: a value read, "wrongtype" when the key changed type since its TYPE. */
    String form(RespReplies replies, int i, int keys) {
        if (replies.error(i)) {
            return "wrongtype";
        }
        if (this == STRING) {
            return replies.nil(i) ? "none" : type + ":" + digest(List.of(replies.bytes(i)));
        }
        List<Object> leaves = replies.elements(i);
        List<byte[]> parts = new ArrayList<>(this == HASH || this == ZSET ? leaves.size() / 2 : leaves.size());
        if (this == HASH || this == ZSET) {
            for (int j = 0; j + 1 < leaves.size(); j += 2) {
                byte[] second = (byte[]) leaves.get(j + 1);
                if (this == ZSET) {
                    second = score(second);
                }
                parts.add(pair((byte[]) leaves.get(j), second));
            }
        } else {
            leaves.forEach(leaf -> parts.add((byte[]) leaf));
        }
        if (this != LIST) {
            parts.sort(Arrays::compare);
        }
        return type + ":" + parts.size() + ":" + digest(parts);
    }

    /** A score as a number: one server may write "1" or "inf" where another writes "1.0" or "Infinity". */
    private static byte[] score(byte[] text) {
        String score = new String(text, StandardCharsets.US_ASCII).toLowerCase(java.util.Locale.ROOT);
        double value = switch (score) {
            case "inf", "+inf", "infinity", "+infinity" -> Double.POSITIVE_INFINITY;
            case "-inf", "-infinity" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(score);
        };
        return Double.toString(value).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] pair(byte[] first, byte[] second) {
        return ByteBuffer.allocate(4 + first.length + second.length).putInt(first.length).put(first).put(second).array();
    }

    private static String digest(List<byte[]> parts) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] length = new byte[4];
            for (byte[] part : parts) {
                digest.update(ByteBuffer.wrap(length).putInt(0, part.length).array());
                digest.update(part);
            }
            return java.util.HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
