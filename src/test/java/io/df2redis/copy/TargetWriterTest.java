package io.df2redis.copy;

import io.df2redis.config.MigrationConfig.ConflictPolicy;
import io.df2redis.contract.resp.RespConnection;
import io.df2redis.importer.ImporterFixture;
import io.df2redis.importer.Keyspace;
import io.df2redis.importer.TestData;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The target writer: RESTORE, by-value fallback for refused payloads, big keys in chunks, conflict policies. */
public class TargetWriterTest extends ImporterFixture {

    @Test
    void crc64MatchesRedis() {
        byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertEquals(0xe9c6d914c4b8d9caL, DumpPayloads.crc64(check, check.length));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void copiesByValueWhenTheTargetRefusesThePayload(boolean withTtl) {
        List<KeyRecord> records = new ArrayList<>();
        List<byte[]> streams = new ArrayList<>();
        Random random = new Random(withTtl ? 11 : 12);
        try (RespConnection client = sourceClient(); RespConnection targetClient = targetClient()) {
            for (String type : TestData.TYPES) {
                byte[] key = TestData.key("refused-" + type, 1, random);
                client.pipeline(TestData.write(type, key, random));
                if (type.equals("stream")) {
                    // a consumer group in use: 5 entries delivered to c1, 2 of them claimed by c2, a consumer with nothing pending
                    client.ok("XREADGROUP", "GROUP", "readers", "c1", "COUNT", 5, "STREAMS", key, ">");
                    client.ok("XAUTOCLAIM", key, "readers", "c2", 0, "0-0", "COUNT", 2);
                    client.ok("XGROUP", "CREATECONSUMER", key, "readers", "idle");
                    streams.add(key);
                }
                long expireAt = KeyRecord.NO_EXPIRY;
                if (withTtl) {
                    expireAt = System.currentTimeMillis() + 600_000;
                    client.ok("PEXPIREAT", key, expireAt);
                }
                byte[] payload = (byte[]) client.ok("DUMP", key);
                assertEquals(DumpPayloads.crc(payload), DumpPayloads.crc64(payload, payload.length - 8),
                        "the test's CRC-64 must reproduce Redis's own checksum");
                byte[] refused = DumpPayloads.withRdbVersion(payload, 200);
                Object reply = targetClient.call("RESTORE", key, 0, refused);
                assertInstanceOf(RespConnection.Error.class, reply);
                assertTrue(((RespConnection.Error) reply).message().contains("payload version or checksum are wrong"), reply.toString());
                records.add(new KeyRecord(key, refused, expireAt, null));
            }
        }
        WriterSession session = standaloneWriter(writerSettings()).session();

        WriteReport report = await(session.write(0, records));
        await(session.close());

        Keyspace.assertExactCopy(Keyspace.read(sourceServer.port(), 0), Keyspace.read(targetServer.port(), 0));
        assertEquals(6, report.copied());
        assertTrue(report.failures().isEmpty(), report.failures().toString());
        for (String type : TestData.TYPES) {
            assertEquals(1L, report.fallbacks().get(type), "fallbacks of " + type);
        }
        try (RespConnection client = sourceClient(); RespConnection targetClient = targetClient()) {
            for (byte[] stream : streams) {
                List<String> pending = pending(client, stream);
                assertEquals(5, pending.size(), pending.toString());
                assertEquals(pending, pending(targetClient, stream), "pending entries (id, consumer, deliveries) copied by value");
                assertEquals(consumers(client, stream), consumers(targetClient, stream));
                assertEquals(List.of("c1", "c2", "idle"), consumers(targetClient, stream));
            }
        }
    }

    private static List<String> pending(RespConnection client, byte[] stream) {
        List<String> entries = new ArrayList<>();
        for (Object entry : (List<?>) client.ok("XPENDING", stream, "readers", "-", "+", 100)) {
            List<?> fields = (List<?>) entry;
            entries.add(RespConnection.text(fields.get(0)) + " " + RespConnection.text(fields.get(1)) + " " + fields.get(3));
        }
        return entries;
    }

    private static List<String> consumers(RespConnection client, byte[] stream) {
        List<String> names = new ArrayList<>();
        for (Object consumer : (List<?>) client.ok("XINFO", "CONSUMERS", stream, "readers")) {
            names.add(RespConnection.text(((List<?>) consumer).get(1)));
        }
        return names;
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void copiesBigKeysInChunksThroughATemporaryKey(boolean withTtl) throws Exception {
        List<byte[]> keys = new ArrayList<>();
        Random random = new Random(21);
        try (RespConnection client = sourceClient()) {
            for (String type : TestData.TYPES) {
                byte[] key = TestData.key("big-" + type, 2, random);
                keys.add(key);
                client.pipeline(bigValue(type, key, random));
                if (withTtl) {
                    client.ok("PEXPIRE", key, 900_000);
                }
            }
        }
        List<KeyRecord> records = dumped(keys);
        WriterSettings settings = writerSettings().withBigKeys(true, 1024, 7, 100);
        targetServer.command("CONFIG", "RESETSTAT");
        WriterSession session = standaloneWriter(settings).session();

        WriteReport report = await(session.write(0, records));
        await(session.close());

        Keyspace.assertExactCopy(Keyspace.read(sourceServer.port(), 0), Keyspace.read(targetServer.port(), 0));
        assertEquals(6, report.bigKeys());
        assertTrue(report.failures().isEmpty(), report.failures().toString());
        String stats = String.valueOf(targetServer.command("INFO", "commandstats"));
        assertTrue(!stats.contains("cmdstat_restore:"), "big keys must not be restored from one payload");
        assertTrue(commandCalls(stats, "hset") > 10 && commandCalls(stats, "append") > 10, stats);
        assertEquals(6, commandCalls(stats, "rename"));
    }

    @Test
    void replacesExistingKeysByDefault() throws Exception {
        List<KeyRecord> records = conflictingKeys();

        WriteReport report = await(standaloneWriter(writerSettings()).session().write(0, records));

        assertEquals(2, report.copied());
        assertEquals("new", targetServer.command("GET", "a"));
        assertEquals("new-big", targetServer.command("HGET", "big", "f0"));
    }

    @Test
    void keepsExistingKeysWithSkipExisting() throws Exception {
        List<KeyRecord> records = conflictingKeys();

        WriteReport report = await(standaloneWriter(bigKeysAbove1k(ConflictPolicy.SKIP_EXISTING)).session().write(0, records));

        assertEquals(2, report.skippedExisting());
        assertEquals(0, report.copied());
        assertEquals("old", targetServer.command("GET", "a"));
        assertEquals("old", targetServer.command("GET", "big"));
        assertTrue(report.failures().isEmpty());
    }

    @Test
    void failsExistingKeysWithFail() throws Exception {
        List<KeyRecord> records = conflictingKeys();
        sourceServer.command("SET", "b", "only-on-source");
        records.addAll(dumped(List.of("b".getBytes(StandardCharsets.UTF_8))));

        WriteReport report = await(standaloneWriter(bigKeysAbove1k(ConflictPolicy.FAIL)).session().write(0, records));

        assertEquals(1, report.copied());
        assertEquals(2, report.failures().size());
        assertTrue(report.failures().get(0).reason().contains("conflictPolicy: fail"), report.failures().get(0).reason());
        assertEquals("old", targetServer.command("GET", "a"));
        assertEquals("only-on-source", targetServer.command("GET", "b"));
    }

    private WriterSettings bigKeysAbove1k(ConflictPolicy policy) {
        return writerSettings().withConflictPolicy(policy).withBigKeys(true, 1024, 50, 1000);
    }

    /** "a" (small) and "big" (a big hash) on both sides, with other values on the target. */
    private List<KeyRecord> conflictingKeys() throws Exception {
        sourceServer.command("SET", "a", "new");
        try (RespConnection client = sourceClient()) {
            List<Object[]> fields = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                fields.add(new Object[] {"HSET", "big", "f" + i, "new-big"});
            }
            client.pipeline(fields);
        }
        targetServer.command("SET", "a", "old");
        targetServer.command("SET", "big", "old");
        return dumped(List.of("a".getBytes(StandardCharsets.UTF_8), "big".getBytes(StandardCharsets.UTF_8)));
    }

    private static List<KeyRecord> dumped(List<byte[]> keys) {
        List<KeyRecord> records = new ArrayList<>();
        try (RespConnection client = sourceClient()) {
            for (byte[] key : keys) {
                long pttl = (Long) client.ok("PTTL", key);
                byte[] payload = (byte[]) client.ok("DUMP", key);
                records.add(new KeyRecord(key, payload, pttl < 0 ? KeyRecord.NO_EXPIRY : System.currentTimeMillis() + pttl, null));
            }
        }
        return records;
    }

    public static List<Object[]> bigValue(String type, byte[] key, Random random) {
        List<Object[]> commands = new ArrayList<>();
        switch (type) {
            case "string" -> commands.add(new Object[] {"SET", key, TestData.bytes(random, 5000)});
            case "hash" -> {
                // more fields than hash-max-listpack-entries (512 in Debian's build): a real hash table, scanned in steps
                for (int i = 0; i < 700; i++) {
                    commands.add(new Object[] {"HSET", key, "field" + i, TestData.bytes(random, 20)});
                }
            }
            case "list" -> {
                for (int i = 0; i < 500; i++) {
                    commands.add(new Object[] {"RPUSH", key, TestData.bytes(random, 10)});
                }
            }
            case "set" -> {
                for (int i = 0; i < 400; i++) {
                    commands.add(new Object[] {"SADD", key, TestData.bytes(random, 12)});
                }
            }
            case "zset" -> {
                for (int i = 0; i < 300; i++) {
                    commands.add(new Object[] {"ZADD", key, String.valueOf(random.nextDouble() * 1000), TestData.bytes(random, 12)});
                }
            }
            case "stream" -> {
                for (int i = 0; i < 100; i++) {
                    commands.add(new Object[] {"XADD", key, "*", "f", TestData.bytes(random, 20)});
                }
                commands.add(new Object[] {"XGROUP", "CREATE", key, "readers", "0"});
            }
            default -> throw new IllegalArgumentException(type);
        }
        return commands;
    }

    public static long commandCalls(String commandStats, String command) {
        for (String line : commandStats.split("\r?\n")) {
            if (line.startsWith("cmdstat_" + command + ":calls=")) {
                String calls = line.substring(("cmdstat_" + command + ":calls=").length());
                return Long.parseLong(calls.substring(0, calls.indexOf(',')));
            }
        }
        return 0;
    }
}
