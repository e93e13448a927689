package io.df2redis.resp;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The parsed reply of {@code INFO}: identity (Dragonfly or Redis), memory and keyspace. */
public record ServerInfo(Map<String, String> fields, Map<Integer, Long> keysPerDb) {

    private static final Pattern DB_LINE = Pattern.compile("^db(\\d+)$");
    private static final Pattern KEYS = Pattern.compile("keys=(\\d+)");

    public static ServerInfo parse(String text) {
        Map<String, String> fields = new LinkedHashMap<>();
        Map<Integer, Long> keys = new LinkedHashMap<>();
        for (String line : text.split("\r?\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            fields.put(name, value);
            Matcher db = DB_LINE.matcher(name);
            if (db.matches()) {
                Matcher count = KEYS.matcher(value);
                if (count.find()) {
                    keys.put(Integer.parseInt(db.group(1)), Long.parseLong(count.group(1)));
                }
            }
        }
        return new ServerInfo(fields, keys);
    }

    public boolean dragonfly() {
        return fields.containsKey("dragonfly_version");
    }

    /** {@code dragonfly} or {@code redis}. */
    public String kind() {
        return dragonfly() ? "dragonfly" : "redis";
    }

    public String version() {
        return dragonfly() ? fields.get("dragonfly_version") : fields.getOrDefault("redis_version", "unknown");
    }

    public String mode() {
        return fields.getOrDefault("redis_mode", "standalone");
    }

    public boolean clusterEnabled() {
        return "1".equals(fields.get("cluster_enabled"));
    }

    public long usedMemory() {
        return number("used_memory").orElse(0L);
    }

    /** 0 means no limit. */
    public long maxMemory() {
        return number("maxmemory").orElse(0L);
    }

    public long totalKeys() {
        return keysPerDb.values().stream().mapToLong(Long::longValue).sum();
    }

    public Optional<Long> number(String field) {
        try {
            return Optional.ofNullable(fields.get(field)).map(Long::parseLong);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * A {@code CONFIG GET} value, whether the reply is a RESP3 map or a RESP2 {@code [name, value]} array;
     * empty when the server has no such setting.
     */
    public static Optional<String> configValue(io.vertx.mutiny.redis.client.Response reply, String name) {
        if (reply == null) {
            return Optional.empty();
        }
        if (reply.getKeys() != null && reply.getKeys().contains(name)) {
            return Optional.of(reply.get(name).toString());
        }
        return reply.size() >= 2 ? Optional.of(reply.get(1).toString()) : Optional.empty();
    }
}
