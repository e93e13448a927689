package io.df2redis.migration.stage;

import io.df2redis.migration.engine.Checkpoints;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The baseline's position and counts, as saved in its checkpoint. */
final class Inventory {

    long t0;
    List<Integer> databases = new ArrayList<>();
    int dbIndex;
    String cursor = "0";
    long keys;
    long expectedKeys;
    long batches;
    /** db -> type -> keys. */
    final Map<Integer, Map<String, Long>> counts = new TreeMap<>();

    static Inventory from(Map<String, Object> checkpoint) {
        Inventory inventory = new Inventory();
        if (checkpoint.isEmpty()) {
            return inventory;
        }
        inventory.t0 = Checkpoints.number(checkpoint.get("t0"));
        if (checkpoint.get("databases") instanceof List<?> dbs) {
            dbs.forEach(db -> inventory.databases.add((int) Checkpoints.number(db)));
        }
        inventory.dbIndex = (int) Checkpoints.number(checkpoint.get("dbIndex"));
        inventory.cursor = String.valueOf(checkpoint.getOrDefault("cursor", "0"));
        inventory.keys = Checkpoints.number(checkpoint.get("keys"));
        inventory.expectedKeys = Checkpoints.number(checkpoint.get("expectedKeys"));
        inventory.batches = Checkpoints.number(checkpoint.get("batches"));
        if (checkpoint.get("counts") instanceof Map<?, ?> counts) {
            counts.forEach((db, types) -> {
                Map<String, Long> perType = new TreeMap<>();
                if (types instanceof Map<?, ?> typeMap) {
                    typeMap.forEach((type, n) -> perType.put(String.valueOf(type), Checkpoints.number(n)));
                }
                inventory.counts.put(Integer.parseInt(String.valueOf(db)), perType);
            });
        }
        return inventory;
    }

    Map<String, Object> toCheckpoint() {
        Map<String, Object> checkpoint = new LinkedHashMap<>();
        checkpoint.put("t0", t0);
        checkpoint.put("databases", List.copyOf(databases));
        checkpoint.put("dbIndex", dbIndex);
        checkpoint.put("cursor", cursor);
        checkpoint.put("keys", keys);
        checkpoint.put("expectedKeys", expectedKeys);
        checkpoint.put("batches", batches);
        Map<String, Object> copy = new LinkedHashMap<>();
        counts.forEach((db, types) -> copy.put(String.valueOf(db), new TreeMap<>(types)));
        checkpoint.put("counts", copy);
        return checkpoint;
    }

    void count(int db, String type) {
        counts.computeIfAbsent(db, d -> new TreeMap<>()).merge(type, 1L, Long::sum);
        keys++;
    }

    Map<String, Long> perType() {
        Map<String, Long> total = new TreeMap<>();
        counts.values().forEach(types -> types.forEach((type, n) -> total.merge(type, n, Long::sum)));
        return total;
    }
}
