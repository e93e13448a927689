package io.df2redis.importer;

import io.df2redis.contract.resp.RespConnection;
import io.df2redis.contract.resp.RespClient;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/** Every key of a database with its type, value (in a canonical text form) and TTL, for exact-copy assertions. */
public final class Keyspace {

    public static final long TTL_TOLERANCE_MS = 1000;
    private static final HexFormat HEX = HexFormat.of();

    /** @param expireAt absolute expiry in Unix ms (PEXPIRETIME), -1 for none: comparable whenever each side was read */
    public record Entry(String type, String value, long expireAt) {
    }

    private Keyspace() {
    }

    /** Reads database {@code db} of the server at {@code port}; keys are hex-encoded. */
    public static Map<String, Entry> read(int port, int db) {
        Map<String, Entry> keys = new TreeMap<>();
        try (RespConnection client = RespClient.connect(port)) {
            client.ok("SELECT", db);
            String cursor = "0";
            do {
                List<?> reply = (List<?>) client.ok("SCAN", cursor, "COUNT", 500);
                cursor = RespConnection.text(reply.get(0));
                for (Object key : (List<?>) reply.get(1)) {
                    byte[] name = (byte[]) key;
                    Entry entry = entry(client, name);
                    if (entry != null) {
                        keys.put(HEX.formatHex(name), entry);
                    }
                }
            } while (!"0".equals(cursor));
        }
        return keys;
    }

    /** Reads database 0 of every node (each cluster master holds its own slots). */
    public static Map<String, Entry> readAll(List<Integer> ports) {
        Map<String, Entry> keys = new TreeMap<>();
        ports.forEach(port -> keys.putAll(read(port, 0)));
        return keys;
    }

    public static Entry entry(RespConnection client, byte[] key) {
        String type = RespConnection.text(client.ok("TYPE", key));
        String value = switch (type) {
            case "none" -> null;
            case "string" -> HEX.formatHex((byte[]) client.ok("GET", key));
            case "hash" -> pairs((List<?>) client.ok("HGETALL", key)).toString();
            case "list" -> hexList((List<?>) client.ok("LRANGE", key, 0, -1)).toString();
            case "set" -> new TreeSet<>(hexList((List<?>) client.ok("SMEMBERS", key))).toString();
            case "zset" -> hexList((List<?>) client.ok("ZRANGE", key, 0, -1, "WITHSCORES")).toString();
            case "stream" -> stream(client, key);
            default -> throw new IllegalStateException("unexpected type " + type);
        };
        if (value == null) {
            return null;
        }
        return new Entry(type, value, (Long) client.ok("PEXPIRETIME", key));
    }

    private static String stream(RespConnection client, byte[] key) {
        StringBuilder text = new StringBuilder();
        for (Object entry : (List<?>) client.ok("XRANGE", key, "-", "+")) {
            List<?> parts = (List<?>) entry;
            text.append(RespConnection.text(parts.get(0))).append(hexList((List<?>) parts.get(1))).append(';');
        }
        List<?> info = (List<?>) client.ok("XINFO", "STREAM", key);
        for (int i = 0; i < info.size(); i += 2) {
            if ("last-generated-id".equals(RespConnection.text(info.get(i)))) {
                text.append(" last=").append(RespConnection.text(info.get(i + 1)));
            }
        }
        for (Object group : (List<?>) client.ok("XINFO", "GROUPS", key)) {
            List<?> fields = (List<?>) group;
            text.append(" group ").append(RespConnection.text(fields.get(1))).append('@').append(RespConnection.text(fields.get(7)));
        }
        return text.toString();
    }

    private static Map<String, String> pairs(List<?> flat) {
        Map<String, String> map = new TreeMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            map.put(HEX.formatHex((byte[]) flat.get(i)), HEX.formatHex((byte[]) flat.get(i + 1)));
        }
        return map;
    }

    private static List<String> hexList(List<?> items) {
        List<String> hex = new ArrayList<>(items.size());
        items.forEach(item -> hex.add(HEX.formatHex((byte[]) item)));
        return hex;
    }

    /** The target holds exactly the source's keys: same type, value, and expiry within the tolerance. */
    public static void assertExactCopy(Map<String, Entry> source, Map<String, Entry> target) {
        assertEquals(source.keySet(), target.keySet(), "the target holds other keys than the source");
        source.forEach((key, expected) -> {
            Entry actual = target.get(key);
            assertEquals(expected.type(), actual.type(), "type of " + key);
            assertEquals(expected.value(), actual.value(), "value of " + key);
            assertTtl(key, expected.expireAt(), actual.expireAt());
        });
    }

    public static void assertTtl(String key, long expected, long actual) {
        if (expected < 0 || actual < 0) {
            assertEquals(expected, actual, "TTL of " + key);
        } else if (Math.abs(expected - actual) > TTL_TOLERANCE_MS) {
            fail("expiry of " + key + ": " + actual + " on the target, " + expected + " on the source (Unix ms)");
        }
    }
}
