package io.df2redis.migration.cutover;

import io.df2redis.config.MigrationConfig;
import io.df2redis.migration.stage.OwnKeys;
import io.df2redis.resp.RedisEndpoints;
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
        return side.connect(0).chain(connection -> {
            String[] cursor = {"0"};
            long[] removed = {0};
            return Multi.createBy().repeating().uni(() -> side.send(connection,
                            Request.cmd(Command.SCAN).arg(cursor[0]).arg("MATCH").arg(match).arg("COUNT").arg(PAGE), "SCAN MATCH " + match)
                            .chain(reply -> {
                                cursor[0] = reply.get(0).toString();
                                Request unlink = Request.cmd(Command.UNLINK);
                                int n = 0;
                                for (Response key : reply.get(1)) {
                                    unlink.arg(key.toBytes());
                                    n++;
                                }
                                if (n == 0) {
                                    return Uni.createFrom().item(0L);
                                }
                                return side.send(connection, unlink, "UNLINK meta keys").map(Response::toLong);
                            })
                            .invoke(count -> removed[0] += count))
                    .whilst(count -> !"0".equals(cursor[0]))
                    .onItem().ignoreAsUni()
                    .eventually(connection::close)
                    .map(done -> removed[0]);
        });
    }
}
