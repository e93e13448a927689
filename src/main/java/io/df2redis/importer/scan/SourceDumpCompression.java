package io.df2redis.importer.scan;

import io.df2redis.config.MigrationConfig.DumpCompression;
import io.df2redis.migration.engine.StageContext;
import io.df2redis.resp.RedisSide;
import io.df2redis.resp.ServerInfo;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import java.util.Optional;

/**
 * {@code migrate.dumpCompression: off}: the source's {@code rdbcompression} is {@code no} while the scan
 * importer runs, so that each DUMP skips its LZF attempt. The value it had is written to the import's
 * checkpoint before it is changed, and put back when the import ends (whatever the outcome) or, after a
 * crash, by the next run of the import, even one configured with {@code keep}.
 */
final class SourceDumpCompression {

    static final String SETTING = "rdbcompression";

    private final RedisSide source;
    private final DumpCompression wanted;
    private final StageContext context;
    private final ScanPosition position;

    SourceDumpCompression(RedisSide source, DumpCompression wanted, StageContext context, ScanPosition position) {
        this.source = source;
        this.wanted = wanted;
        this.context = context;
        this.position = position;
    }

    /** Before the copy: turns compression off when asked, or puts back a value a crashed run left changed. */
    Uni<Void> apply() {
        if (wanted == DumpCompression.KEEP) {
            return restore();
        }
        Uni<Void> off = position.sourceRdbCompression != null
                ? set("no")
                : source.send(Command.CONFIG, "GET", SETTING)
                        .map(reply -> ServerInfo.configValue(reply, SETTING))
                        .chain(current -> turnOff(current));
        return off
                .onFailure().recoverWithUni(failure -> {
                    context.warn("migrate.dumpCompression is off but the source's " + SETTING
                            + " could not be read or changed (" + failure.getMessage() + "): the copy goes on with DUMP as it is");
                    return Uni.createFrom().voidItem();
                });
    }

    private Uni<Void> turnOff(Optional<String> current) {
        if (current.isEmpty()) {
            context.info("the source has no " + SETTING + " setting (Dragonfly?): migrate.dumpCompression has nothing to turn off");
            return Uni.createFrom().voidItem();
        }
        if (current.get().equalsIgnoreCase("no")) {
            return Uni.createFrom().voidItem();
        }
        position.sourceRdbCompression = current.get();
        return context.saveCheckpoint(position.toCheckpoint())
                .chain(() -> set("no"))
                .invoke(() -> context.info("the source's " + SETTING + " is no while the import runs (it was "
                        + current.get() + "; put back when the import ends)"))
                .onFailure().invoke(() -> position.sourceRdbCompression = null);
    }

    /**
     * After the copy, or before it when a crashed run left the setting changed. A failure here fails no copy:
     * the checkpoint keeps the value, so the next run of the import tries again, and the warning says what to do.
     */
    Uni<Void> restore() {
        String previous = position.sourceRdbCompression;
        if (previous == null) {
            return Uni.createFrom().voidItem();
        }
        return set(previous)
                .invoke(() -> {
                    position.sourceRdbCompression = null;
                    context.info("the source's " + SETTING + " is " + previous + " again");
                })
                .onFailure().recoverWithUni(failure -> {
                    context.warn("could not put the source's " + SETTING + " back to " + previous + " ("
                            + failure.getMessage() + "): run CONFIG SET " + SETTING + " " + previous + " on the source");
                    return Uni.createFrom().voidItem();
                });
    }

    private Uni<Void> set(String value) {
        return source.send(Command.CONFIG, "SET", SETTING, value)
                .replaceWithVoid();
    }
}
