package io.df2redis.local;

import io.df2redis.contract.resp.RespConnection;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/** A small mixed keyspace: every data type, some keys with TTL, two databases. Deterministic for a seed. */
public final class DemoDataset {

    private DemoDataset() {
    }

    /** Loads the dataset and returns the number of keys per database. */
    public static Map<Integer, Integer> load(LocalRedis redis, int scale, long seed) throws IOException {
        Random random = new Random(seed);
        Map<Integer, Integer> keys = new TreeMap<>();
        List<List<String>> batch = new ArrayList<>();
        batch.add(List.of("SELECT", "0"));
        for (int i = 0; i < scale * 10; i++) {
            String key = "demo:string:" + i;
            batch.add(List.of("SET", key, "value-" + i + "-" + Long.toHexString(random.nextLong())));
            if (i % 3 == 0) {
                batch.add(List.of("EXPIRE", key, String.valueOf(3600 + random.nextInt(3600))));
            }
            flushIfFull(redis, batch, "0");
        }
        for (int i = 0; i < scale; i++) {
            batch.add(List.of("HSET", "demo:hash:" + i, "name", "user" + i, "visits", String.valueOf(random.nextInt(1000)),
                    "email", "user" + i + "@example.com"));
            batch.add(List.of("RPUSH", "demo:list:" + i, "a" + i, "b" + i, "c" + i));
            batch.add(List.of("SADD", "demo:set:" + i, "x" + i, "y" + i, "z" + i));
            batch.add(List.of("ZADD", "demo:zset:" + i, "1", "one", "2", "two", String.valueOf(random.nextInt(100)), "r"));
            flushIfFull(redis, batch, "0");
        }
        for (int i = 0; i < Math.max(1, scale / 5); i++) {
            batch.add(List.of("XADD", "demo:stream:" + i, "*", "event", "login", "user", String.valueOf(i)));
        }
        keys.put(0, scale * 10 + scale * 4 + Math.max(1, scale / 5));
        batch.add(List.of("SELECT", "1"));
        for (int i = 0; i < scale; i++) {
            batch.add(List.of("SET", "demo:db1:" + i, "db1-" + i));
        }
        keys.put(1, scale);
        flush(redis, batch);
        return keys;
    }

    private static void flushIfFull(LocalRedis redis, List<List<String>> batch, String db) throws IOException {
        if (batch.size() >= 1000) {
            flush(redis, batch);
            batch.add(List.of("SELECT", db));
        }
    }

    private static void flush(LocalRedis redis, List<List<String>> batch) throws IOException {
        for (Object reply : redis.pipeline(batch)) {
            if (reply instanceof RespConnection.Error error) {
                throw new IOException("loading the demo dataset failed: " + error.message());
            }
        }
        batch.clear();
    }
}
