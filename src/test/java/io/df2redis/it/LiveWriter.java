package io.df2redis.it;

import io.df2redis.contract.resp.RespConnection;
import io.df2redis.contract.resp.RespClient;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client of the proxy that writes a steady mix (SET, INCR, APPEND, HSET, HINCRBY, LPUSH, LTRIM,
 * SADD, SREM, ZADD, ZINCRBY, XADD, DEL, EXPIRE, PERSIST) on its own keys, which are also in the
 * baseline (it seeds them on the source first), and keeps a model of what every acknowledged write
 * made of each key. A write without a reply, or refused, makes its key uncertain (it may or may not
 * have landed): such keys are left out of {@link #lostWrites}. One thread, one connection: writes to
 * a key are ordered.
 */
final class LiveWriter implements AutoCloseable {

    private static final int KEYS_PER_KIND = 40;
    private static final String[] KINDS = {"s", "c", "h", "l", "t", "z", "x"};

    private final Map<String, Object> model = new ConcurrentHashMap<>();
    private final Set<String> withTtl = ConcurrentHashMap.newKeySet();
    private final Set<String> uncertain = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    /** Connections lost or refused after the first one succeeded. */
    private final AtomicLong connectionErrors = new AtomicLong();
    private volatile boolean everConnected;
    private final Random random = new Random(7);
    private final int port;
    private final long pauseMicros;
    private Thread thread;
    private long streamMillis = 1;

    private LiveWriter(int port, int opsPerSecond) {
        this.port = port;
        this.pauseMicros = 1_000_000L / opsPerSecond;
    }

    /** Seeds the writer's keys on the source (so they are in the baseline); writing starts with {@link #start}. */
    static LiveWriter seeded(RespClient source, int proxyPort, int opsPerSecond) throws IOException {
        LiveWriter writer = new LiveWriter(proxyPort, opsPerSecond);
        for (int i = 0; i < KEYS_PER_KIND; i++) {
            writer.applyDirect(source, List.of("SET", "lw:s:" + i, "seed" + i));
            writer.applyDirect(source, List.of("SET", "lw:c:" + i, "0"));
            writer.applyDirect(source, List.of("HSET", "lw:h:" + i, "seed", "1"));
            writer.applyDirect(source, List.of("RPUSH", "lw:l:" + i, "seed"));
            writer.applyDirect(source, List.of("SADD", "lw:t:" + i, "seed"));
            writer.applyDirect(source, List.of("ZADD", "lw:z:" + i, "1", "seed"));
            writer.applyDirect(source, List.of("XADD", "lw:x:" + i, "0-" + (i + 1), "f", "seed"));
        }
        return writer;
    }

    private void applyDirect(RespClient client, List<String> command) throws IOException {
        Object reply = client.command(command.toArray(String[]::new));
        if (reply instanceof RespConnection.Error error) {
            throw new IOException(command + ": " + error.message());
        }
        apply(command, reply);
    }

    LiveWriter start() {
        thread = new Thread(this::run, "live-writer");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    long acknowledged() {
        return acknowledged.get();
    }

    long connectionErrors() {
        return connectionErrors.get();
    }

    long refused() {
        return refused.get();
    }

    int uncertainKeys() {
        return uncertain.size();
    }

    void stop() throws InterruptedException {
        running.set(false);
        if (thread != null) {
            thread.join(10_000);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    private void run() {
        RespConnection client = null;
        while (running.get()) {
            if (client == null) {
                try {
                    client = new RespClient("127.0.0.1", port, Optional.empty()).connect();
                    client.command("PING");
                    everConnected = true;
                } catch (IOException | RuntimeException e) {
                    // not connected: nothing was sent, no key is in doubt
                    if (everConnected) {
                        connectionErrors.incrementAndGet();
                    }
                    client = null;
                    sleepMicros(50_000);
                    continue;
                }
            }
            List<String> command = next();
            try {
                Object reply = client.command(command.toArray(String[]::new));
                if (reply instanceof RespConnection.Error) {
                    refused.incrementAndGet();
                    uncertain.add(command.get(1));
                } else {
                    apply(command, reply);
                    acknowledged.incrementAndGet();
                }
            } catch (IOException | RuntimeException e) {
                // sent, but no reply: it may or may not have been applied
                connectionErrors.incrementAndGet();
                uncertain.add(command.get(1));
                closeQuietly(client);
                client = null;
                sleepMicros(50_000);
            }
            sleepMicros(pauseMicros);
        }
        if (client != null) {
            closeQuietly(client);
        }
    }

    private static void closeQuietly(RespConnection client) {
        client.close(); // never fails: a connection already gone is closed all the same
    }

    private static void sleepMicros(long micros) {
        try {
            Thread.sleep(micros / 1000, (int) (micros % 1000) * 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private List<String> next() {
        String kind = KINDS[random.nextInt(KINDS.length)];
        String key = "lw:" + kind + ":" + random.nextInt(KEYS_PER_KIND);
        int pick = random.nextInt(100);
        String value = Long.toString(random.nextInt(1_000_000), 36);
        return switch (kind) {
            case "s" -> pick < 50 ? List.of("SET", key, value) : pick < 75 ? List.of("APPEND", key, value)
                    : pick < 85 ? List.of("EXPIRE", key, "1000") : pick < 95 ? List.of("PERSIST", key) : List.of("DEL", key);
            case "c" -> List.of("INCR", key);
            case "h" -> pick < 60 ? List.of("HSET", key, "f" + random.nextInt(8), value) : List.of("HINCRBY", key, "n", "1");
            case "l" -> pick < 80 ? List.of("LPUSH", key, value) : List.of("LTRIM", key, "0", "9");
            case "t" -> pick < 70 ? List.of("SADD", key, "m" + random.nextInt(12)) : List.of("SREM", key, "m" + random.nextInt(12));
            case "z" -> pick < 60 ? List.of("ZADD", key, Integer.toString(random.nextInt(100)), "m" + random.nextInt(8))
                    : List.of("ZINCRBY", key, "1", "m" + random.nextInt(8));
            default -> List.of("XADD", key, "MAXLEN", "50", (streamMillis++) + "-1", "f", value);
        };
    }

    /** What an acknowledged write made of its key, by Redis semantics. */
    @SuppressWarnings("unchecked")
    private void apply(List<String> c, Object reply) {
        String op = c.get(0);
        String key = c.get(1);
        switch (op) {
            case "SET" -> {
                model.put(key, c.get(2));
                withTtl.remove(key);
            }
            case "APPEND" -> model.merge(key, c.get(2), (a, b) -> a + (String) b);
            case "EXPIRE" -> {
                if (model.containsKey(key)) {
                    withTtl.add(key);
                }
            }
            case "PERSIST" -> withTtl.remove(key);
            case "DEL" -> {
                model.remove(key);
                withTtl.remove(key);
            }
            case "INCR" -> model.merge(key, "1", (a, b) -> Long.toString(Long.parseLong((String) a) + 1));
            case "HSET" -> {
                Map<String, String> hash = (Map<String, String>) model.computeIfAbsent(key, k -> new TreeMap<String, String>());
                for (int i = 2; i < c.size(); i += 2) {
                    hash.put(c.get(i), c.get(i + 1));
                }
            }
            case "HINCRBY" -> ((Map<String, String>) model.computeIfAbsent(key, k -> new TreeMap<String, String>()))
                    .merge(c.get(2), c.get(3), (a, b) -> Long.toString(Long.parseLong(a) + Long.parseLong(b)));
            case "RPUSH" -> ((Deque<String>) model.computeIfAbsent(key, k -> new ArrayDeque<String>())).addLast(c.get(2));
            case "LPUSH" -> ((Deque<String>) model.computeIfAbsent(key, k -> new ArrayDeque<String>())).addFirst(c.get(2));
            case "LTRIM" -> {
                Deque<String> list = (Deque<String>) model.get(key);
                if (list != null) {
                    while (list.size() > 10) {
                        list.removeLast();
                    }
                }
            }
            case "SADD" -> ((Set<String>) model.computeIfAbsent(key, k -> new TreeSet<String>())).add(c.get(2));
            case "SREM" -> {
                Set<String> set = (Set<String>) model.get(key);
                if (set != null) {
                    set.remove(c.get(2));
                    if (set.isEmpty()) {
                        model.remove(key);
                    }
                }
            }
            case "ZADD" -> ((Map<String, Double>) model.computeIfAbsent(key, k -> new TreeMap<String, Double>()))
                    .put(c.get(3), Double.parseDouble(c.get(2)));
            case "ZINCRBY" -> ((Map<String, Double>) model.computeIfAbsent(key, k -> new TreeMap<String, Double>()))
                    .merge(c.get(3), Double.parseDouble(c.get(2)), Double::sum);
            case "XADD" -> {
                List<String> ids = (List<String>) model.computeIfAbsent(key, k -> new ArrayList<String>());
                ids.add(c.get(c.size() - 3));
                int maxlen = c.get(2).equals("MAXLEN") ? Integer.parseInt(c.get(3)) : Integer.MAX_VALUE;
                while (ids.size() > maxlen) {
                    ids.remove(0);
                }
            }
            default -> throw new IllegalArgumentException("no model for " + op);
        }
    }

    /**
     * The writer's keys whose value on {@code side} is not what the acknowledged writes made of
     * them (a lost write, or one that reached only the other side), uncertain keys left out.
     */
    List<String> lostWrites(RespClient side) throws IOException {
        List<String> lost = new ArrayList<>();
        for (String kind : KINDS) {
            for (int i = 0; i < KEYS_PER_KIND; i++) {
                String key = "lw:" + kind + ":" + i;
                if (uncertain.contains(key)) {
                    continue;
                }
                Object expected = normal(model.get(key));
                Object actual = read(side, kind, key);
                if (!String.valueOf(expected).equals(String.valueOf(actual))) {
                    lost.add(key + " expected " + expected + " found " + actual);
                    continue;
                }
                if (expected != null && kind.equals("s")) {
                    long pttl = (Long) side.command("PTTL", key);
                    if ((pttl > 0) != withTtl.contains(key)) {
                        lost.add(key + " TTL " + (withTtl.contains(key) ? "expected" : "not expected") + ", PTTL " + pttl);
                    }
                }
            }
        }
        return lost;
    }

    @SuppressWarnings("unchecked")
    private static Object normal(Object value) {
        if (value instanceof Deque<?> deque) {
            return new ArrayList<>(deque);
        }
        if (value instanceof Map<?, ?> map && !map.isEmpty() && map.values().iterator().next() instanceof Double) {
            Map<String, String> scores = new TreeMap<>();
            ((Map<String, Double>) map).forEach((m, s) -> scores.put(m, score(s)));
            return scores;
        }
        if (value instanceof Map<?, ?> map) {
            return new TreeMap<>(map);
        }
        if (value instanceof Set<?> set) {
            return new TreeSet<>(set);
        }
        if (value instanceof List<?> list) {
            return new ArrayList<>(list);
        }
        return value;
    }

    private static String score(double s) {
        return s == Math.rint(s) ? Long.toString((long) s) : Double.toString(s);
    }

    @SuppressWarnings("unchecked")
    private static Object read(RespClient side, String kind, String key) throws IOException {
        if ((Long) side.command("EXISTS", key) == 0) {
            return null;
        }
        return switch (kind) {
            case "s", "c" -> side.command("GET", key);
            case "h" -> pairs((List<Object>) side.command("HGETALL", key), false);
            case "l" -> side.command("LRANGE", key, "0", "-1");
            case "t" -> new TreeSet<>((List<Object>) side.command("SMEMBERS", key)).stream().map(String::valueOf)
                    .collect(java.util.stream.Collectors.toCollection(TreeSet::new));
            case "z" -> pairs((List<Object>) side.command("ZRANGE", key, "0", "-1", "WITHSCORES"), true);
            default -> {
                List<String> ids = new ArrayList<>();
                for (Object entry : (List<Object>) side.command("XRANGE", key, "-", "+")) {
                    ids.add(String.valueOf(((List<Object>) entry).get(0)));
                }
                yield ids;
            }
        };
    }

    private static Map<String, String> pairs(List<Object> flat, boolean scores) {
        Map<String, String> map = new TreeMap<>();
        for (int i = 0; i < flat.size(); i += 2) {
            String value = String.valueOf(flat.get(i + 1));
            map.put(String.valueOf(flat.get(i)), scores ? score(Double.parseDouble(value)) : value);
        }
        return map;
    }

    /** Keys (other than df2redis's own) whose type, value or TTL presence differs between the two sides. */
    static List<String> differences(RespClient a, RespClient b) throws IOException {
        Set<String> keys = new TreeSet<>();
        for (RespClient side : List.of(a, b)) {
            for (Object key : (List<Object>) side.command("KEYS", "*")) {
                String name = String.valueOf(key);
                if (!name.startsWith("MIGRATE_") && !name.startsWith("meta:")) {
                    keys.add(name);
                }
            }
        }
        List<String> differ = new ArrayList<>();
        Map<String, String> kinds = new HashMap<>(Map.of("string", "s", "hash", "h", "list", "l", "set", "t", "zset", "z", "stream", "x"));
        for (String key : keys) {
            String typeA = String.valueOf(a.command("TYPE", key));
            String typeB = String.valueOf(b.command("TYPE", key));
            if (!typeA.equals(typeB)) {
                differ.add(key + ": type " + typeA + " vs " + typeB);
                continue;
            }
            String kind = kinds.getOrDefault(typeA, "s");
            Object x = kind.equals("x") ? a.command("XRANGE", key, "-", "+") : read(a, kind, key);
            Object y = kind.equals("x") ? b.command("XRANGE", key, "-", "+") : read(b, kind, key);
            if (!String.valueOf(x).equals(String.valueOf(y))) {
                differ.add(key + ": value");
                continue;
            }
            long ttlA = (Long) a.command("PTTL", key);
            long ttlB = (Long) b.command("PTTL", key);
            if ((ttlA > 0) != (ttlB > 0) || Math.abs(ttlA - ttlB) > 5000) {
                differ.add(key + ": TTL " + ttlA + " vs " + ttlB);
            }
        }
        return differ;
    }

    static Map<String, Long> summary(LiveWriter writer) {
        Map<String, Long> s = new LinkedHashMap<>();
        s.put("acknowledged", writer.acknowledged());
        s.put("refused", writer.refused());
        s.put("connectionErrors", writer.connectionErrors());
        s.put("uncertainKeys", (long) writer.uncertainKeys());
        return s;
    }
}
