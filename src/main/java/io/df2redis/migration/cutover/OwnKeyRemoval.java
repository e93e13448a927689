package io.df2redis.migration.cutover;

import io.df2redis.config.MigrationConfig;
import io.df2redis.migration.stage.OwnKeys;
import io.df2redis.resp.RedisEndpoints;
import io.df2redis.resp.KeyScan;
import io.df2redis.resp.RedisSide;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;

/** Removes what df2redis wrote for itself ({@code MIGRATE_*} keys, meta keys) from both sides. */
@ApplicationScoped
public class OwnKeyRemoval {

    private static final int PAGE = 1000;

    private final MigrationConfig config;
    private final RedisEndpoints redis;

    public OwnKeyRemoval(MigrationConfig config, RedisEndpoints redis) {
        this.config = config;
        this.redis = redis;
    }

    /** Returns how many keys were removed. */
    public Uni<Long> removeAll() {
        OwnKeys own = new OwnKeys(config.consistency());
        List<String> fixed = List.of(config.consistency().baselineTsKey(), config.consistency().fenceKey());
        return redis.targetMasters()
                .chain(masters -> {
                    List<RedisSide> sides = new ArrayList<>(masters);
                    sides.add(redis.source());
                    return Multi.createFrom().iterable(sides)
                            .onItem().transformToUniAndConcatenate(side -> removeOn(side, own, fixed))
                            .collect().with(java.util.stream.Collectors.summingLong(Long::longValue));
                });
    }

    private Uni<Long> removeOn(RedisSide side, OwnKeys own, List<String> fixed) {
        Uni<Long> metas = own.metaMatch().map(match -> scanDelete(side, match)).orElse(Uni.createFrom().item(0L));
        return metas.chain(count -> Multi.createFrom().iterable(fixed)
                .onItem().transformToUniAndConcatenate(key -> side.send(Request.cmd(Command.DEL).arg(key), "DEL " + key)
                        .map(Response::toLong))
                .collect().with(java.util.stream.Collectors.summingLong(Long::longValue))
                .map(fixedCount -> count + fixedCount));
    }

    private Uni<Long> scanDelete(RedisSide side, String match) {
        long[] removed = {0};
        return KeyScan.pages(side, 0, match, PAGE, (connection, keys) -> {
                    Request unlink = Request.cmd(Command.UNLINK);
                    keys.forEach(unlink::arg);
                    return side.send(connection, unlink, "UNLINK meta keys").invoke(count -> removed[0] += count.toLong()).replaceWithVoid();
                })
                .map(done -> removed[0]);
    }
}
