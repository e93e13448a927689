package io.df2redis.migration.rollback;

import io.df2redis.config.MigrationConfig;
import io.df2redis.contract.cluster.HashSlot;
import io.df2redis.copy.TargetWriter;
import io.df2redis.copy.WriterSession;
import io.df2redis.copy.WriterSettings;
import io.df2redis.migration.cutover.OwnKeyRemoval;
import io.df2redis.migration.engine.Orientation;
import io.df2redis.migration.engine.StageContext;
import io.df2redis.resp.KeyScan;
import io.df2redis.resp.RedisEndpoints;
import io.df2redis.resp.RedisSide;
import io.df2redis.resp.ServerInfo;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/**
 * Deletes the migrated keys from the target after a rollback before the write flip. With
 * {@code targetNonEmpty: fail} the target was empty at the start, so every key goes; with {@code allow}
 * the keys the source holds (the target got them from the import, the drain or the mirror) and
 * df2redis's own keys. Reads the source only (I2).
 */
@ApplicationScoped
public class TargetPurge {

    private static final int PAGE = 1000;

    private final MigrationConfig config;
    private final RedisEndpoints redis;
    private final OwnKeyRemoval ownKeys;

    public TargetPurge(MigrationConfig config, RedisEndpoints redis, OwnKeyRemoval ownKeys) {
        this.config = config;
        this.redis = redis;
        this.ownKeys = ownKeys;
    }

    /**
     * Runs once the source is primary again ({@code orientation} reads the source and writes the target);
     * refuses any other orientation, which would delete keys from the primary.
     */
    public Uni<Long> run(StageContext context, Orientation orientation) {
        if (!orientation.sourceAuthoritative()) {
            return Uni.createFrom().failure(new IllegalStateException("the target is purged only once the source is primary again"));
        }
        if (config.migrate().targetNonEmpty() == MigrationConfig.TargetNonEmptyPolicy.FAIL) {
            return everything(context);
        }
        return sourceKeys(context, orientation);
    }

    /**
     * The precheck let the migration start only on an empty target ({@code targetNonEmpty: fail}):
     * every key there came from the migration, including keys the source has deleted since the
     * rollback, so every key is deleted (by SCAN on each master).
     */
    private Uni<Long> everything(StageContext context) {
        long[] deleted = {0};
        return redis.targetMasters()
                .chain(masters -> Multi.createFrom().iterable(masters)
                        .onItem().transformToUniAndConcatenate(master -> master.send(Command.INFO, "keyspace")
                                .map(info -> List.copyOf(ServerInfo.parse(info.toString()).keysPerDb().keySet()))
                                .chain(dbs -> Multi.createFrom().iterable(dbs)
                                        .onItem().transformToUniAndConcatenate(db -> unlinkAll(master, db, deleted, context))
                                        .onItem().ignoreAsUni()))
                        .onItem().ignoreAsUni())
                .map(done -> deleted[0]);
    }

    private Uni<Void> unlinkAll(RedisSide node, int db, long[] deleted, StageContext context) {
        return KeyScan.pages(node, db, null, PAGE, (connection, keys) -> {
            Request unlink = Request.cmd(Command.UNLINK);
            keys.forEach(unlink::arg);
            return node.send(connection, unlink, "UNLINK db" + db).invoke(n -> counted(n.toLong(), deleted, context)).replaceWithVoid();
        });
    }

    private static void counted(long n, long[] deleted, StageContext context) {
        deleted[0] += n;
        context.progress(deleted[0], null, "keys deleted from the target");
    }

    /**
     * The target held keys before the migration ({@code targetNonEmpty: allow}): only the keys the
     * source holds now are deleted there (a key the source deleted after the rollback stays).
     */
    private Uni<Long> sourceKeys(StageContext context, Orientation orientation) {
        RedisSide source = redis.source().withPoolSize(2);
        RedisSide target = redis.target().withPoolSize(2);
        TargetWriter writer = orientation.writer(redis, source, target, WriterSettings.from(config));
        long[] deleted = {0};
        return writer.open()
                .chain(() -> redis.source().send(Command.INFO, "keyspace"))
                .map(info -> List.copyOf(ServerInfo.parse(info.toString()).keysPerDb().keySet()))
                .chain(dbs -> {
                    WriterSession session = writer.session();
                    return Multi.createFrom().iterable(dbs)
                            .onItem().transformToUniAndConcatenate(db -> purgeDb(source, session, db, deleted, context))
                            .onItem().ignoreAsUni()
                            .eventually(session::close);
                })
                .chain(() -> ownKeys.removeAll())
                .map(own -> deleted[0])
                .eventually(() -> {
                    source.close();
                    target.close();
                });
    }

    private Uni<Void> purgeDb(RedisSide source, WriterSession session, int db, long[] deleted, StageContext context) {
        return KeyScan.pages(source, db, null, PAGE, (connection, keys) -> Multi.createFrom().iterable(keys)
                .onItem().transformToUniAndConcatenate(key -> session.targetCall(db, HashSlot.of(key),
                        Request.cmd(Command.UNLINK).arg(key), "UNLINK"))
                .onItem().transform(Response::toLong)
                .collect().with(java.util.stream.Collectors.summingLong(Long::longValue))
                .invoke(n -> counted(n, deleted, context))
                .replaceWithVoid());
    }
}
