package io.df2redis.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The scan importer against a real source and target. */
class ScanImporterTest extends ImporterFixture {

    @Test
    void copiesEveryTypeWithTtlsAndBinaryKeysExactly() {
        try (RespClient client = sourceClient()) {
            TestData.load(client, 0, "k", 600, 1);
        }
        TestStageContext context = new TestStageContext();

        ImportResult result = await(new ScanImporter(() -> source, scanSettings(3)).run(context, standaloneWriter(writerSettings())));

        Keyspace.assertExactCopy(Keyspace.read(sourceServer.port(), 0), Keyspace.read(targetServer.port(), 0));
        assertEquals(600, result.copied());
        assertEquals(0, result.failures());
        assertEquals(600, context.done);
        assertEquals(600.0, context.metrics.get("import_keys_copied"));
        assertTrue(result.bytes() > 0);
    }

    @Test
    void copiesSeveralDatabasesIntoTheSameDatabases() {
        try (RespClient client = sourceClient()) {
            TestData.load(client, 0, "zero", 50, 2);
            TestData.load(client, 3, "three", 70, 3);
            TestData.load(client, 9, "nine", 30, 4);
        }

        ImportResult result = await(new ScanImporter(() -> source, scanSettings(2))
                .run(new TestStageContext(), standaloneWriter(writerSettings())));

        for (int db : new int[] {0, 3, 9}) {
            Keyspace.assertExactCopy(Keyspace.read(sourceServer.port(), db), Keyspace.read(targetServer.port(), db));
        }
        assertEquals(150, result.copied());
        assertEquals(3, result.databases());
    }

    @Test
    void leavesOutItsOwnKeys() throws Exception {
        sourceServer.command("SET", "MIGRATE_BASE_TS", "123");
        sourceServer.command("SET", "meta:{user:1}", "7");
        sourceServer.command("SET", "user:1", "ann");

        ImportResult result = await(new ScanImporter(() -> source, scanSettings(1))
                .run(new TestStageContext(), standaloneWriter(writerSettings())));

        assertEquals(1, result.copied());
        assertEquals(0L, targetServer.command("EXISTS", "MIGRATE_BASE_TS", "meta:{user:1}"));
        assertEquals("ann", targetServer.command("GET", "user:1"));
    }

    @Test
    void neverWritesToTheSource() throws Exception {
        try (RespClient client = sourceClient()) {
            TestData.load(client, 0, "k", 200, 5);
        }
        Map<String, Keyspace.Entry> before = Keyspace.read(sourceServer.port(), 0);
        sourceServer.command("CONFIG", "RESETSTAT");

        await(new ScanImporter(() -> source, scanSettings(2)).run(new TestStageContext(), standaloneWriter(writerSettings())));

        String stats = String.valueOf(sourceServer.command("INFO", "commandstats"));
        for (String write : new String[] {"set", "del", "restore", "hset", "rpush", "sadd", "zadd", "xadd", "pexpire", "pexpireat", "rename"}) {
            assertFalse(stats.contains("cmdstat_" + write + ":"), "the import sent " + write + " to the source");
        }
        Keyspace.assertExactCopy(before, Keyspace.read(sourceServer.port(), 0));
    }
}
