package io.df2redis.importer;

import io.df2redis.contract.resp.RespConnection;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Writes a mixed, binary-heavy dataset: every type, with and without TTL. */
public final class TestData {

    public static final List<String> TYPES = List.of("string", "hash", "list", "set", "zset", "stream");

    private TestData() {
    }

    /** {@code count} keys in database {@code db}: types in turn, every third key with a TTL of 1-60 min. */
    public static void load(RespConnection client, int db, String prefix, int count, long seed) {
        Random random = new Random(seed);
        List<Object[]> commands = new ArrayList<>();
        commands.add(new Object[] {"SELECT", db});
        for (int i = 0; i < count; i++) {
            byte[] key = key(prefix, i, random);
            String type = TYPES.get(i % TYPES.size());
            commands.addAll(write(type, key, random));
            if (i % 3 == 0) {
                commands.add(new Object[] {"PEXPIRE", key, 60_000 + random.nextInt(3_540_000)});
            }
            if (commands.size() > 500) {
                flush(client, commands);
            }
        }
        flush(client, commands);
    }

    private static void flush(RespConnection client, List<Object[]> commands) {
        for (Object reply : client.pipeline(commands)) {
            if (reply instanceof RespConnection.Error error) {
                throw new IllegalStateException(error.message());
            }
        }
        commands.clear();
    }

    /** Keys with NUL, CR/LF, high bytes and braces (hash tags, empty tags, unbalanced braces). */
    public static byte[] key(String prefix, int i, Random random) {
        String[] shapes = {"", "{tag" + (i % 7) + "}", "{}", "}", "{", "\r\n"};
        byte[] text = (prefix + ":" + i + shapes[i % shapes.length]).getBytes(StandardCharsets.UTF_8);
        byte[] key = new byte[text.length + 2];
        System.arraycopy(text, 0, key, 0, text.length);
        key[text.length] = 0;
        key[text.length + 1] = (byte) (0x80 + random.nextInt(0x7f));
        return key;
    }

    public static List<Object[]> write(String type, byte[] key, Random random) {
        List<Object[]> commands = new ArrayList<>();
        int n = 1 + random.nextInt(20);
        switch (type) {
            case "string" -> commands.add(new Object[] {"SET", key, random.nextBoolean() ? bytes(random, random.nextInt(300))
                    : String.valueOf(random.nextInt(100_000))});
            case "hash" -> {
                for (int j = 0; j < n; j++) {
                    commands.add(new Object[] {"HSET", key, bytes(random, 1 + random.nextInt(12)), bytes(random, random.nextInt(40))});
                }
            }
            case "list" -> {
                for (int j = 0; j < n; j++) {
                    commands.add(new Object[] {"RPUSH", key, bytes(random, random.nextInt(30))});
                }
            }
            case "set" -> {
                boolean integers = random.nextBoolean();
                for (int j = 0; j < n; j++) {
                    commands.add(new Object[] {"SADD", key, integers ? String.valueOf(random.nextInt(1000)) : bytes(random, 1 + random.nextInt(20))});
                }
            }
            case "zset" -> {
                for (int j = 0; j < n; j++) {
                    String score = j == 0 ? "-inf" : String.valueOf(random.nextGaussian() * 1e6);
                    commands.add(new Object[] {"ZADD", key, score, bytes(random, 1 + random.nextInt(20))});
                }
            }
            case "stream" -> {
                for (int j = 0; j < Math.min(n, 8); j++) {
                    commands.add(new Object[] {"XADD", key, "*", bytes(random, 1 + random.nextInt(8)), bytes(random, random.nextInt(30))});
                }
                if (random.nextBoolean()) {
                    commands.add(new Object[] {"XGROUP", "CREATE", key, "readers", "0"});
                }
            }
            default -> throw new IllegalArgumentException(type);
        }
        return commands;
    }

    public static byte[] bytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }
}
