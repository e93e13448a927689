package io.df2redis.migration.verify;

import io.df2redis.migration.engine.Orientation;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationConfigLoader;
import io.df2redis.config.MigrationPaths;
import io.df2redis.local.LocalRedis;
import io.df2redis.state.EventHub;
import io.df2redis.migration.journal.JournalDrain;
import io.df2redis.resp.RedisEndpoints;
import io.df2redis.state.StatusStore;
import io.vertx.mutiny.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Invariant I2: the migration never writes the authoritative side (only {@code MIGRATE_*} keys).
 * The authoritative side is reached with an ACL user that may read and write nothing but
 * {@code MIGRATE_*}; the drain, a full verify pass that finds and repairs differences in both
 * directions, and then the same after the drain is reversed (the target authoritative) all succeed,
 * and the server's {@code ACL LOG} shows no refused command. Invariant I3 on the side: after one
 * drain and one pass the two sides are equal.
 */
class AuthoritativeSideTest {

    private static final String READER = "reader";
    private static final String READER_PASSWORD = "reader-pw-41";

    @TempDir
    Path home;

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() {
        vertx.closeAndAwait();
    }

    @Test
    void drainVerifyAndRepairNeverWriteTheAuthoritativeSide() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty())) {
            for (LocalRedis side : List.of(source, target)) {
                side.command("ACL", "SETUSER", READER, "on", ">" + READER_PASSWORD, "resetkeys", "%R~*", "%W~MIGRATE_*",
                        "-@all", "+@read", "+@connection", "+info", "+set", "+del");
            }
            source.command("SET", "same", "1");
            target.command("SET", "same", "1");
            source.command("HSET", "dirty", "f", "new");
            source.command("SET", "missing-on-target", "x", "EX", "1000");
            target.command("SET", "only-on-target", "stale");
            target.command("SET", "wrong-on-target", "old");
            source.command("SET", "wrong-on-target", "new");
            Path wal = Files.createDirectories(home.resolve("state/wal"));
            Files.writeString(wal.resolve("journal-00000000000000000001.log"), intent(1, "dirty") + "C 2 1 1 ok\n");

            Parts forward = parts(source, target, true);
            forward.drain.ensureRunning(0).await().atMost(Duration.ofSeconds(10));
            forward.drain.awaitApplied(2, Duration.ofSeconds(10)).await().atMost(Duration.ofSeconds(15));
            Verifier.Report report;
            try {
                report = forward.verifier.scanPass(1.0, r -> { }).await().atMost(Duration.ofSeconds(60));
            } catch (RuntimeException e) {
                throw new AssertionError("verify failed; ACL LOG of the source: " + source.command("ACL", "LOG")
                        + "; of the target: " + target.command("ACL", "LOG"), e);
            }
            assertEquals("new", target.command("HGET", "dirty", "f"), "the drain copied the dirty key");
            assertEquals(0, report.mismatched, report.summary());
            assertEquals(3, report.repaired, "missing, stale-only-on-target and wrong keys repaired: " + report.summary());
            assertEquals("new", target.command("GET", "wrong-on-target"));
            assertEquals(null, target.command("GET", "only-on-target"), "a key only on the target is deleted there");
            assertTrue((Long) target.command("TTL", "missing-on-target") > 900, "repaired with its TTL");
            assertEquals(List.of(), source.command("ACL", "LOG"), "nothing was refused on the read-only source");
            forward.drain.stop().await().atMost(Duration.ofSeconds(30));
            forward.store.close();

            target.command("SET", "written-after-flip", "on-target");
            target.command("SET", "same", "2");
            Files.writeString(wal.resolve("journal-00000000000000000001.log"), intent(3, "written-after-flip") + "C 4 1 3 ok\n",
                    java.nio.file.StandardOpenOption.APPEND);
            Parts reverse = parts(source, target, false);
            reverse.drain.switchDirection(Orientation.Direction.REVERSE).await().atMost(Duration.ofSeconds(10));
            reverse.drain.ensureRunning(0).await().atMost(Duration.ofSeconds(10));
            reverse.drain.awaitApplied(4, Duration.ofSeconds(10)).await().atMost(Duration.ofSeconds(15));
            Verifier.Report back = reverse.verifier.scanPass(1.0, r -> { }).await().atMost(Duration.ofSeconds(60));
            assertEquals("on-target", source.command("GET", "written-after-flip"), "the reversed drain writes the source");
            assertEquals("2", source.command("GET", "same"), "the reversed verify repairs the source");
            assertEquals(0, back.mismatched, back.summary());
            assertEquals(List.of(), target.command("ACL", "LOG"), "nothing was refused on the read-only target");
            reverse.drain.stop().await().atMost(Duration.ofSeconds(30));
            reverse.store.close();
        }
    }

    private record Parts(StatusStore store, JournalDrain drain, Verifier verifier) {
    }

    /** The drain and the verifier, the authoritative side reached as the read-only user. */
    private Parts parts(LocalRedis source, LocalRedis target, boolean sourceAuthoritative) throws Exception {
        Path file = home.resolve("migrate.yaml");
        String sourceUser = sourceAuthoritative ? "username: " + READER + ", password: " + READER_PASSWORD + ", " : "";
        String targetUser = sourceAuthoritative ? "" : "username: " + READER + ", password: " + READER_PASSWORD + ", ";
        Files.writeString(file, """
                source: {%stype: redis, addr: "%s"}
                target: {%sseed: "%s"}
                stateDir: state
                verify: {rounds: 3, recheckTimeout: 5s}
                """.formatted(sourceUser, source.address(), targetUser, target.address()));
        MigrationConfig config = MigrationConfigLoader.load(file, Map.of());
        MigrationPaths paths = new MigrationPaths(home, home.resolve("state"), home.resolve("state/status.json"), home.resolve("state/wal"));
        StatusStore store = StatusStore.open(paths.statusFile());
        RedisEndpoints redis = new RedisEndpoints(vertx, config);
        JournalDrain drain = new JournalDrain(config, paths, redis, store, new EventHub(store, 50));
        return new Parts(store, drain, new Verifier(config, paths, redis, drain, store));
    }

    private static String intent(long seq, String key) {
        return "I " + seq + " " + System.currentTimeMillis() + " 0 set "
                + Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8)) + "\n";
    }
}
