package io.df2redis.migration.stage;

import io.df2redis.config.MigrationConfig;
import io.df2redis.migration.engine.Stage;
import io.df2redis.migration.engine.StageContext;
import io.df2redis.migration.engine.StageResult;
import io.df2redis.resp.RedisEndpoints;
import io.df2redis.resp.ServerInfo;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Phase 4 of the migration model: records T0 (kept in the checkpoint, so a resumed run keeps the
 * same T0), writes it to {@code consistency.baselineTsKey} on both sides (the only key df2redis
 * writes on the source), and counts the source's keys per database from one {@code INFO keyspace}
 * (Redis and Dragonfly both answer {@code dbN:keys=...}) read before T0 is written. No pass over the
 * keyspace: the import walks it once, and its completeness check proves key by key that the target
 * holds what the source holds, so these counts are what the progress and the dashboard show.
 */
@ApplicationScoped
public class BaselineStage implements Stage {

    private final RedisEndpoints redis;
    private final MigrationConfig config;

    public BaselineStage(RedisEndpoints redis, MigrationConfig config) {
        this.redis = redis;
        this.config = config;
    }

    @Override
    public String name() {
        return "baseline";
    }

    @Override
    public String description() {
        return "record T0 on both sides and count the source's keys per database from its keyspace statistics";
    }

    @Override
    public Uni<StageResult> run(StageContext context) {
        Inventory inventory = Inventory.from(context.checkpoint());
        return countKeys(inventory)
                .chain(() -> recordT0(context, inventory))
                .map(done -> finish(context, inventory));
    }

    private Uni<Void> recordT0(StageContext context, Inventory inventory) {
        if (inventory.t0 == 0) {
            inventory.t0 = System.currentTimeMillis();
        }
        String key = config.consistency().baselineTsKey();
        String value = Long.toString(inventory.t0);
        return context.saveCheckpoint(inventory.toCheckpoint())
                .chain(() -> redis.source().send(Command.SET, key, value))
                .chain(() -> redis.target().send(Command.SET, key, value))
                .invoke(() -> context.finding("t0", inventory.t0))
                .invoke(() -> context.metric("baseline_t0_ms", inventory.t0))
                .invoke(() -> context.info("T0 = " + inventory.t0 + " written to " + key + " on both sides"))
                .replaceWithVoid();
    }

    /**
     * Keys per database from {@code INFO keyspace}, once (a resumed stage keeps its counts), less
     * df2redis's own keys an earlier run left on the source.
     */
    private Uni<Void> countKeys(Inventory inventory) {
        if (inventory.counted) {
            return Uni.createFrom().voidItem();
        }
        return redis.source().send(Command.INFO, "keyspace")
                .map(reply -> ServerInfo.parse(reply.toString()))
                .invoke(info -> {
                    List<Integer> dbs = new ArrayList<>(config.source().db()
                            .map(List::of)
                            .orElseGet(() -> new ArrayList<>(new TreeMap<>(info.keysPerDb()).keySet())));
                    if (dbs.isEmpty()) {
                        dbs.add(0);
                    }
                    inventory.databases = dbs;
                    dbs.forEach(db -> inventory.keysPerDb.put(db, info.keysPerDb().getOrDefault(db, 0L)));
                })
                .chain(() -> redis.source().send(Command.EXISTS, config.consistency().baselineTsKey(), config.consistency().fenceKey()))
                .invoke(own -> {
                    int db = config.source().db().orElse(0);
                    inventory.keysPerDb.computeIfPresent(db, (d, n) -> Math.max(0, n - own.toLong()));
                    inventory.counted = true;
                })
                .replaceWithVoid();
    }

    private StageResult finish(StageContext context, Inventory inventory) {
        Map<String, Object> found = new LinkedHashMap<>();
        found.put("keys", inventory.keys());
        Map<String, Object> perDb = new LinkedHashMap<>();
        inventory.keysPerDb.forEach((db, n) -> perDb.put("db" + db, n));
        found.put("perDb", perDb);
        found.put("from", "INFO keyspace");
        context.finding("inventory", found);
        context.metric("baseline_keys", inventory.keys());
        context.progress(inventory.keys(), inventory.keys(), "keys");
        return StageResult.succeeded("T0 " + inventory.t0 + "; source holds " + inventory.keys() + " keys in "
                + inventory.databases.size() + " database(s), as its keyspace statistics count them");
    }
}
