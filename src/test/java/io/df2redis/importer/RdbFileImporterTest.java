package io.df2redis.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationConfigLoader;
import io.df2redis.config.MigrationPaths;
import io.df2redis.importer.rdb.RdbFileImporter;
import io.df2redis.resp.RedisEndpoints;
import io.df2redis.state.StatusStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The embedded rdb importer on an RDB file that redis-cli --rdb fetched from a real source. */
class RdbFileImporterTest extends ImporterFixture {

    @Test
    void copiesEveryTypeFromAnRdbFileWithItsExpiry() throws Exception {
        sourceServer.command("SET", "s", "string-value");
        sourceServer.command("SET", "ttl", "expiring", "EX", "5000");
        sourceServer.command("HSET", "h", "f1", "v1", "f2", "v2");
        sourceServer.command("RPUSH", "l", "a", "b", "c");
        sourceServer.command("SADD", "set", "x", "y");
        sourceServer.command("ZADD", "z", "1", "one", "2", "two");
        sourceServer.command("XADD", "x", "1-1", "f", "v");
        sourceServer.command("SET", "MIGRATE_BASE_TS", "123");
        sourceServer.command("SELECT", "1");
        Path rdb = home.resolve("source.rdb");
        Process fetch = new ProcessBuilder("redis-cli", "-p", String.valueOf(sourceServer.port()), "--rdb", rdb.toString())
                .redirectErrorStream(true).start();
        assertEquals(0, fetch.waitFor());

        TestStageContext context = new TestStageContext();
        ImportResult result = await(importer(rdb).run(context, standaloneWriter(writerSettings())));

        assertEquals(7, result.copied(), "every data key, not df2redis's own MIGRATE_BASE_TS");
        assertEquals("string-value", targetServer.command("GET", "s"));
        assertEquals(List.of("a", "b", "c"), targetServer.command("LRANGE", "l", "0", "-1"));
        assertEquals("v2", targetServer.command("HGET", "h", "f2"));
        assertEquals(2L, targetServer.command("SCARD", "set"));
        assertEquals("2", targetServer.command("ZSCORE", "z", "two"));
        assertEquals(1L, targetServer.command("XLEN", "x"));
        long ttl = (Long) targetServer.command("TTL", "ttl");
        assertTrue(ttl > 4900 && ttl <= 5000, "the expiry came along: " + ttl);
        assertEquals(null, targetServer.command("GET", "MIGRATE_BASE_TS"));
        assertEquals(7L, context.checkpoint().get("written"));
    }

    @Test
    void aFileItCannotReadFailsBeforeAnythingIsWritten() throws Exception {
        Path notRdb = home.resolve("not.rdb");
        Files.writeString(notRdb, "this is not an rdb file");
        IllegalStateException failed = assertThrows(IllegalStateException.class,
                () -> await(importer(notRdb).run(new TestStageContext(), standaloneWriter(writerSettings()))));
        assertTrue(failed.getMessage().contains("cannot read"), failed.getMessage());
        assertEquals(0L, targetServer.command("DBSIZE"));
    }

    private RdbFileImporter importer(Path snapshot) throws Exception {
        Path file = home.resolve("migrate-" + System.nanoTime() + ".yaml");
        Files.writeString(file, """
                source: {addr: "%s"}
                target: {seed: "%s"}
                migrate: {mode: snapshot, importer: rdb, snapshotPath: %s}
                """.formatted(sourceServer.address(), targetServer.address(), snapshot));
        MigrationConfig config = MigrationConfigLoader.load(file, Map.of());
        StatusStore store = StatusStore.open(home.resolve("state/status-" + System.nanoTime() + ".json"));
        MigrationPaths paths = new MigrationPaths(home, home.resolve("state"), store.file(), home.resolve("state/wal"));
        return new RdbFileImporter(config, paths, new RedisEndpoints(vertx, config), store);
    }
}
