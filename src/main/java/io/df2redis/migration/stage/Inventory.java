package io.df2redis.migration.stage;

import io.df2redis.migration.engine.Checkpoints;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The baseline's T0 and the source's key counts, as saved in its checkpoint. */
final class Inventory {

    long t0;
    List<Integer> databases = new ArrayList<>();
    /** db -> keys, as {@code INFO keyspace} reported them before T0 was written; empty until then. */
    final Map<Integer, Long> keysPerDb = new TreeMap<>();
    boolean counted;

    static Inventory from(Map<String, Object> checkpoint) {
        Inventory inventory = new Inventory();
        if (checkpoint.isEmpty()) {
            return inventory;
        }
        inventory.t0 = Checkpoints.number(checkpoint.get("t0"));
        if (checkpoint.get("databases") instanceof List<?> dbs) {
            dbs.forEach(db -> inventory.databases.add((int) Checkpoints.number(db)));
        }
        if (checkpoint.get("keysPerDb") instanceof Map<?, ?> perDb) {
            perDb.forEach((db, n) -> inventory.keysPerDb.put(Integer.parseInt(String.valueOf(db)), Checkpoints.number(n)));
            inventory.counted = true;
        }
        return inventory;
    }

    Map<String, Object> toCheckpoint() {
        Map<String, Object> checkpoint = new LinkedHashMap<>();
        checkpoint.put("t0", t0);
        checkpoint.put("databases", List.copyOf(databases));
        if (counted) {
            Map<String, Object> perDb = new LinkedHashMap<>();
            keysPerDb.forEach((db, n) -> perDb.put(String.valueOf(db), n));
            checkpoint.put("keysPerDb", perDb);
        }
        checkpoint.put("keys", keys());
        return checkpoint;
    }

    long keys() {
        return keysPerDb.values().stream().mapToLong(Long::longValue).sum();
    }
}
