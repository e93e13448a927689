package io.df2redis.migration.stage;

import io.df2redis.config.MigrationConfig;
import io.df2redis.migration.engine.StageContext;
import io.df2redis.resp.CursorGuard;
import io.df2redis.resp.RedisSide;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.mutiny.redis.client.Command;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;

/**
 * Walks the source with SCAN, one database at a time on its own connection, typing each batch of
 * keys with one pipelined round of TYPE. Memory is one batch. The position is checkpointed every
 * {@code engine.checkpointEvery} batches; a server that hands back the same non-zero cursor again
 * and again (an old Dragonfly bug) fails the stage instead of looping for ever.
 */
final class KeyspaceInventory {

    private final RedisSide source;
    private final MigrationConfig config;
    private final StageContext context;
    private final Inventory inventory;
    private final OwnKeys ownKeys;
    private final RateLimit rateLimit;
    private CursorGuard guard;

    KeyspaceInventory(RedisSide source, MigrationConfig config, StageContext context, Inventory inventory) {
        this.source = source;
        this.config = config;
        this.context = context;
        this.inventory = inventory;
        this.ownKeys = new OwnKeys(config.consistency());
        this.rateLimit = new RateLimit(config.migrate().throttle().maxOpsPerMaster());
    }

    Uni<Void> run() {
        return Multi.createBy().repeating()
                .uni(this::scanNextDatabase)
                .whilst(more -> more)
                .collect().last()
                .replaceWithVoid();
    }

    /** Scans the current database to its end; true while databases remain. */
    private Uni<Boolean> scanNextDatabase() {
        if (inventory.dbIndex >= inventory.databases.size()) {
            return Uni.createFrom().item(false);
        }
        int db = inventory.databases.get(inventory.dbIndex);
        return source.connect(db)
                .chain(connection -> scanDatabase(connection, db)
                        .eventually(connection::close))
                .chain(() -> {
                    inventory.dbIndex++;
                    inventory.cursor = "0";
                    return context.saveCheckpoint(inventory.toCheckpoint());
                })
                .map(saved -> inventory.dbIndex < inventory.databases.size());
    }

    private Uni<Void> scanDatabase(RedisConnection connection, int db) {
        guard = new CursorGuard(source.endpoint(), "SCAN");
        return Multi.createBy().repeating()
                .uni(() -> scanBatch(connection, db))
                .whilst(more -> more)
                .collect().last()
                .replaceWithVoid();
    }

    /** One SCAN call and the TYPE round of its keys; true while the cursor has not come back to 0. */
    private Uni<Boolean> scanBatch(RedisConnection connection, int db) {
        if (context.cancelled()) {
            return Uni.createFrom().failure(new CancellationException("baseline cancelled"));
        }
        String cursor = inventory.cursor;
        Request scan = Request.cmd(Command.SCAN).arg(cursor).arg("COUNT").arg(config.migrate().scanCount());
        return source.send(connection, scan, "SCAN db" + db)
                .chain(reply -> typeKeys(connection, db, reply)
                        .map(typed -> nextCursor(cursor, reply.get(0).toString())))
                .call(this::maybeCheckpoint)
                .call(more -> rateLimit.pace(inventory.keys))
                .invoke(more -> context.progress(inventory.keys,
                        Math.max(inventory.expectedKeys, inventory.keys), "keys"));
    }

    private Uni<Integer> typeKeys(RedisConnection connection, int db, Response reply) {
        Response keys = reply.get(1);
        List<Request> types = new ArrayList<>(keys.size());
        List<String> names = new ArrayList<>(keys.size());
        for (Response key : keys) {
            if (ownKeys.isOwn(key.toString())) {
                continue;
            }
            names.add(key.toString());
            types.add(Request.cmd(Command.TYPE).arg(key.toBytes()));
        }
        if (types.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        return connection.batch(types)
                .ifNoItem().after(source.timeout()).fail()
                .onFailure().transform(e -> io.df2redis.resp.RemoteFailure.describe(source.endpoint(), "TYPE", e))
                .map(replies -> {
                    for (Response type : replies) {
                        String name = type.toString();
                        if (!"none".equals(name)) {
                            inventory.count(db, name);
                        }
                    }
                    return replies.size();
                });
    }

    private boolean nextCursor(String previous, String next) {
        guard.check(previous, next);
        inventory.cursor = next;
        inventory.batches++;
        return !"0".equals(next);
    }

    private Uni<Void> maybeCheckpoint(boolean more) {
        if (more && inventory.batches % config.engine().checkpointEvery() != 0) {
            return Uni.createFrom().voidItem();
        }
        return context.saveCheckpoint(inventory.toCheckpoint());
    }

    /** Keeps the source under {@code migrate.throttle.maxOpsPerMaster}, without blocking a thread. */
    static final class RateLimit {
        private final int opsPerSecond;
        private final long startNanos = System.nanoTime();
        private long startOps = -1;

        RateLimit(int opsPerSecond) {
            this.opsPerSecond = opsPerSecond;
        }

        Uni<Void> pace(long opsSoFar) {
            if (opsPerSecond <= 0) {
                return Uni.createFrom().voidItem();
            }
            if (startOps < 0) {
                startOps = opsSoFar;
            }
            long dueNanos = (long) ((opsSoFar - startOps) * 1e9 / opsPerSecond);
            long aheadNanos = dueNanos - (System.nanoTime() - startNanos);
            if (aheadNanos <= 1_000_000) {
                return Uni.createFrom().voidItem();
            }
            return Uni.createFrom().voidItem().onItem().delayIt().by(Duration.ofNanos(aheadNanos));
        }
    }
}
