package io.df2redis.migration.stage;

import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationPaths;
import io.df2redis.migration.engine.Stage;
import io.df2redis.migration.engine.StageContext;
import io.df2redis.migration.engine.StageResult;
import io.df2redis.resp.RedisEndpoints;
import io.df2redis.resp.RedisSide;
import io.df2redis.resp.ServerInfo;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.redis.client.Command;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Makes the RDB snapshot the {@code rdb} and {@code rdb-cli} importers read. On Dragonfly it asks
 * for the RDB form ({@code BGSAVE RDB <name>}: its default format is its own), on Redis
 * {@code BGSAVE}; polls {@code INFO persistence} into progress until the save ends, fails with the
 * server's own error when the save fails, resolves the file ({@code migrate.snapshotPath}, Dragonfly's
 * {@code last_saved_file}, or {@code CONFIG GET dir} + file name) and checks that it is readable and
 * a complete RDB file from where df2redis runs. Without {@code migrate.snapshot.trigger} it only checks
 * {@code migrate.snapshotPath}.
 */
@ApplicationScoped
public class SnapshotStage implements Stage {

    private final RedisEndpoints redis;
    private final MigrationConfig config;
    private final MigrationPaths paths;

    public SnapshotStage(RedisEndpoints redis, MigrationConfig config, MigrationPaths paths) {
        this.redis = redis;
        this.config = config;
        this.paths = paths;
    }

    @Override
    public String name() {
        return "snapshot";
    }

    @Override
    public String description() {
        return "have the source write an RDB snapshot and check the file";
    }

    @Override
    public Uni<StageResult> run(StageContext context) {
        if (!config.migrate().snapshot().trigger()) {
            Path given = paths.baseDir().resolve(config.migrate().snapshotPath().orElseThrow());
            return checkFile(context, given)
                    .map(size -> StageResult.succeeded("using the snapshot " + given + " (" + size + " bytes); "
                            + "migrate.snapshot.trigger is false, so none was made"));
        }
        RedisSide source = redis.source();
        return source.send(Command.INFO, "persistence")
                .map(reply -> ServerInfo.parse(reply.toString()))
                .chain(before -> source.send(Command.INFO, "server")
                        .map(reply -> ServerInfo.parse(reply.toString()).dragonfly())
                        .chain(dragonfly -> save(context, source, dragonfly, before)));
    }

    private Uni<StageResult> save(StageContext context, RedisSide source, boolean dragonfly, ServerInfo before) {
        String name = config.migrate().snapshot().name().orElse("df2redis-" + System.currentTimeMillis());
        Uni<?> start = dragonfly
                ? source.send(Command.BGSAVE, "RDB", name)
                : source.send(Command.BGSAVE);
        SaveMark mark = new SaveMark(before.number("rdb_last_save_time").orElse(0L), before.number("rdb_saves").orElse(-1L));
        context.info((dragonfly ? "BGSAVE RDB " + name : "BGSAVE") + " sent to the source");
        return start
                .chain(() -> awaitSave(context, source, mark))
                .chain(after -> resolvePath(source, dragonfly, name, after))
                .chain(path -> checkFile(context, path)
                        .invoke(size -> context.finding("path", path.toString()))
                        .invoke(size -> context.finding("bytes", size))
                        .map(size -> StageResult.succeeded("snapshot " + path + " written by the source (" + size + " bytes)")));
    }

    /** Polls INFO persistence until the save has ended; fails with the server's error if it failed. */
    /** What INFO persistence said before the save: a later save shows a higher count or time. */
    private record SaveMark(long lastSaveTime, long saves) {
    }

    private Uni<ServerInfo> awaitSave(StageContext context, RedisSide source, SaveMark mark) {
        Duration poll = config.migrate().snapshot().pollInterval();
        return Multi.createBy().repeating()
                .uni(() -> Uni.createFrom().voidItem().onItem().delayIt().by(poll)
                        .chain(() -> source.send(Command.INFO, "persistence"))
                        .map(reply -> ServerInfo.parse(reply.toString()))
                        .invoke(info -> info.number("current_snapshot_perc")
                                .ifPresent(perc -> context.progress(perc, 100L, "percent"))))
                .until(info -> finished(info, mark))
                .collect().last()
                .chain(() -> source.send(Command.INFO, "persistence").map(reply -> ServerInfo.parse(reply.toString())))
                .ifNoItem().after(config.migrate().snapshot().timeout())
                .failWith(() -> new IllegalStateException("the source did not finish its snapshot within migrate.snapshot.timeout ("
                        + config.migrate().snapshot().timeout() + ")"))
                .invoke(info -> {
                    String status = info.fields().getOrDefault("rdb_last_bgsave_status", "ok");
                    String error = info.fields().getOrDefault("last_error", "");
                    if (!"ok".equals(status) || !error.isBlank() && !"none".equalsIgnoreCase(error)) {
                        throw new IllegalStateException("the source's snapshot failed: rdb_last_bgsave_status:" + status
                                + (error.isBlank() ? "" : ", last_error:" + error) + " (see the source's log; check its dir and disk)");
                    }
                });
    }

    private static boolean finished(ServerInfo info, SaveMark mark) {
        boolean saving = "1".equals(info.fields().get("rdb_bgsave_in_progress")) || "1".equals(info.fields().get("saving"));
        if (saving) {
            return false;
        }
        boolean newSave = info.number("rdb_last_save_time").orElse(0L) > mark.lastSaveTime()
                || mark.saves() >= 0 && info.number("rdb_saves").orElse(-1L) > mark.saves();
        boolean failed = !"ok".equals(info.fields().getOrDefault("rdb_last_bgsave_status", "ok"));
        return newSave || failed || info.fields().containsKey("last_saved_file");
    }

    private Uni<Path> resolvePath(RedisSide source, boolean dragonfly, String name, ServerInfo after) {
        if (config.migrate().snapshotPath().isPresent()) {
            return Uni.createFrom().item(paths.baseDir().resolve(config.migrate().snapshotPath().get()));
        }
        String saved = after.fields().get("last_saved_file");
        if (dragonfly && saved != null && !saved.isBlank()) {
            return Uni.createFrom().item(Path.of(saved));
        }
        return source.send(Command.CONFIG, "GET", "dir")
                .map(reply -> configValue(reply, "dir"))
                .chain(dir -> dragonfly
                        ? Uni.createFrom().item(Path.of(dir, name + ".rdb"))
                        : source.send(Command.CONFIG, "GET", "dbfilename").map(file -> Path.of(dir, configValue(file, "dbfilename"))));
    }

    private static String configValue(io.vertx.mutiny.redis.client.Response reply, String name) {
        return ServerInfo.configValue(reply, name)
                .orElseThrow(() -> new IllegalStateException("the source has no setting " + name
                        + ": set migrate.snapshotPath to the RDB file"));
    }

    /** Readable, starts with the RDB magic and ends with the EOF opcode and its checksum. File I/O, on a worker. */
    private Uni<Long> checkFile(StageContext context, Path file) {
        return Uni.createFrom().item(() -> {
                    try {
                        return inspect(context, file);
                    } catch (IOException e) {
                        throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
                    }
                })
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private static long inspect(StageContext context, Path file) throws IOException {
        if (!Files.isReadable(file)) {
            throw new IllegalStateException("the snapshot " + file + " is not readable from where df2redis runs: "
                    + "share the source's dir with this host or set migrate.snapshotPath to where it is seen here");
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(5);
            if (!"REDIS".equals(new String(magic, StandardCharsets.US_ASCII))) {
                throw new IllegalStateException(file + " is not an RDB file (no REDIS header): a Dragonfly snapshot "
                        + "in its own format? Use BGSAVE RDB (migrate.snapshot.trigger) or --df_snapshot_format=false");
            }
        }
        long size = Files.size(file);
        byte[] tail = new byte[9];
        try (var channel = Files.newByteChannel(file)) {
            channel.position(size - 9);
            channel.read(java.nio.ByteBuffer.wrap(tail));
        }
        if ((tail[0] & 0xff) != 0xFF) {
            throw new IllegalStateException(file + " is not a complete RDB file (no EOF marker): the save may still run");
        }
        context.metric("snapshot_bytes", size);
        return size;
    }
}
