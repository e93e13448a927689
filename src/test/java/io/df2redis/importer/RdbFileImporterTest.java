package io.df2redis.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.moilioncircle.redis.replicator.RedisReplicator;
import com.moilioncircle.redis.replicator.Replicator;
import com.moilioncircle.redis.replicator.rdb.datatype.KeyValuePair;
import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationConfig.ConflictPolicy;
import io.df2redis.config.MigrationConfigLoader;
import io.df2redis.config.MigrationPaths;
import io.df2redis.importer.rdb.RdbFileImporter;
import io.df2redis.resp.RedisEndpoints;
import io.df2redis.state.StatusStore;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
        Path rdb = fetchRdb("source.rdb");

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
        assertEquals(8L, context.checkpoint().get("keysRead"), "the own key was read and left out");
    }

    /**
     * Steps: three keys of the file already on the target, {@code conflictPolicy: fail}. With
     * {@code maxFailures: 5} the rest is copied and failures.jsonl names the three; with 1 the stage fails
     * and says where to look.
     */
    @Test
    void failedKeysGoToFailuresJsonlAndMoreThanMaxFailuresFailTheStage() throws Exception {
        Path failuresFile = home.resolve("state/failures.jsonl");
        for (String key : List.of("taken:1", "taken:2", "taken:3")) {
            sourceServer.command("SET", key, "source");
            targetServer.command("SET", key, "target");
        }
        sourceServer.command("SET", "free", "source");
        Path rdb = fetchRdb("conflicts.rdb");
        WriterSettings failOnConflict = writerSettings().withConflictPolicy(ConflictPolicy.FAIL);
        Files.deleteIfExists(failuresFile);

        ImportResult result = await(importer(rdb, "fail", 5).run(new TestStageContext(), standaloneWriter(failOnConflict)));

        assertEquals(1, result.copied());
        assertEquals(3, result.failures());
        List<String> lines = Files.readAllLines(failuresFile);
        assertEquals(3, lines.size(), lines.toString());
        assertTrue(lines.stream().allMatch(line -> line.contains("\"key\":\"taken:") && line.contains("conflictPolicy: fail")),
                lines.toString());
        assertEquals("target", targetServer.command("GET", "taken:1"));

        targetServer.command("DEL", "free");
        Files.deleteIfExists(failuresFile);
        TooManyFailuresException failure = assertThrows(TooManyFailuresException.class,
                () -> await(importer(rdb, "fail", 1).run(new TestStageContext(), standaloneWriter(failOnConflict))));
        assertTrue(failure.getMessage().contains("3 keys could not be copied, more than migrate.maxFailures (1)")
                && failure.getMessage().contains(failuresFile.toString()), failure.getMessage());
        assertEquals(3, Files.readAllLines(failuresFile).size());
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

    /**
     * Steps: keys in a real source, its RDB fetched with redis-cli --rdb; Dragonfly records spliced in before the
     * end of the file (a JSON key, a JSON key with an expiry, a string key behind opcode 220 with memcached flags)
     * with the CRC64 footer recomputed; the import with {@code unsupportedTypes: fail}.
     */
    @Test
    void keysOfTypesNoRedisLoadsFailTheStageBeforeAnythingIsWrittenAndAreNamed() throws Exception {
        Path rdb = dragonflyRdb(false);

        IllegalStateException failed = assertThrows(IllegalStateException.class,
                () -> await(importer(rdb, "fail").run(new TestStageContext(), standaloneWriter(writerSettings()))));

        for (String name : List.of("doc:1 (JSON", "doc:2 (JSON", "mc:1 (with Dragonfly-only attributes")) {
            assertTrue(failed.getMessage().contains(name), name + " named in: " + failed.getMessage());
        }
        assertTrue(failed.getMessage().contains("migrate.unsupportedTypes: skip"), failed.getMessage());
        assertEquals(0L, targetServer.command("DBSIZE"), "nothing written");
    }

    /** As above with {@code unsupportedTypes: skip}: the Dragonfly keys are skipped and listed by name, the rest is copied. */
    @Test
    void keysOfTypesNoRedisLoadsAreSkippedByNameAndTheRestIsCopied() throws Exception {
        Path rdb = dragonflyRdb(false);
        TestStageContext context = new TestStageContext();

        ImportResult result = await(importer(rdb, "skip").run(context, standaloneWriter(writerSettings())));

        assertEquals(2, result.copied());
        assertEquals("1", targetServer.command("GET", "a"));
        assertEquals("2", targetServer.command("GET", "b"));
        long ttl = (Long) targetServer.command("TTL", "b");
        assertTrue(ttl > 900 && ttl <= 1000, "b keeps its expiry: " + ttl);
        assertEquals(2L, targetServer.command("DBSIZE"), "none of the Dragonfly keys");
        String warning = String.join("\n", context.warnings);
        for (String name : List.of("doc:1 (JSON", "doc:2 (JSON", "mc:1 (with Dragonfly-only attributes")) {
            assertTrue(warning.contains(name), name + " listed in: " + warning);
        }
        assertEquals(5L, context.checkpoint().get("keysRead"), "every key record of the file handled");
    }

    /**
     * A Bloom filter record (type 33) has a layout of Dragonfly's own that a file reader cannot step over:
     * even with {@code skip} the stage fails before writing, naming it and the keys found before it.
     */
    @Test
    void aDragonflyTypeThatCannotBeSteppedOverFailsEvenWhenSkippingAndIsNamed() throws Exception {
        Path rdb = dragonflyRdb(true);

        IllegalStateException failed = assertThrows(IllegalStateException.class,
                () -> await(importer(rdb, "skip").run(new TestStageContext(), standaloneWriter(writerSettings()))));

        assertTrue(failed.getMessage().contains("key 'bf:1' is a Dragonfly Bloom filter (RDB type 33)"), failed.getMessage());
        assertTrue(failed.getMessage().contains("doc:1 (JSON"), failed.getMessage());
        assertEquals(0L, targetServer.command("DBSIZE"), "nothing written");
    }

    /**
     * Steps: 2,000 keys in the source, its RDB; a first attempt dies when it saves its second checkpoint (after
     * its second batch); on the target, the keys the saved checkpoint counts are overwritten with a marker and
     * the others deleted; a second attempt from that checkpoint. The marked keys keep the marker (not written
     * again), every other key is copied, and the counts add up to the whole file.
     */
    @Test
    void resumesByCountWithoutWritingAgainTheKeysAnInterruptedAttemptWrote() throws Exception {
        int keys = 2000;
        List<List<String>> writes = new ArrayList<>();
        for (int i = 0; i < keys; i++) {
            writes.add(List.of("SET", "k:" + i, "v" + i));
        }
        sourceServer.pipeline(writes);
        Path rdb = fetchRdb("resume.rdb");
        TestStageContext first = new TestStageContext().failSavesAfter(1);

        assertThrows(IllegalStateException.class,
                () -> await(importer(rdb, "fail").run(first, standaloneWriter(writerSettings()))));
        Map<String, Object> checkpoint = first.checkpoint();
        long done = ((Number) checkpoint.get("keysRead")).longValue();
        assertTrue(done > 0 && done < keys, "the first attempt stopped part-way: " + checkpoint);
        assertEquals(done, ((Number) checkpoint.get("written")).longValue());

        List<String> order = keysInFileOrder(rdb);
        targetServer.command("FLUSHALL");
        List<List<String>> marks = new ArrayList<>();
        for (String key : order.subList(0, (int) done)) {
            marks.add(List.of("SET", key, "written-by-the-first-attempt"));
        }
        targetServer.pipeline(marks);
        TestStageContext second = new TestStageContext(checkpoint, Integer.MAX_VALUE);

        ImportResult result = await(importer(rdb, "fail").run(second, standaloneWriter(writerSettings())));

        List<List<String>> reads = new ArrayList<>();
        order.forEach(key -> reads.add(List.of("GET", key)));
        List<Object> values = targetServer.pipeline(reads);
        for (int i = 0; i < keys; i++) {
            String key = order.get(i);
            Object expected = i < done ? "written-by-the-first-attempt" : "v" + key.substring(2);
            assertEquals(expected, values.get(i), key + " at position " + i);
        }
        assertEquals((long) keys, targetServer.command("DBSIZE"));
        assertEquals(keys, result.copied(), "the checkpoint's count plus the keys of the second attempt");
        assertEquals((long) keys, second.checkpoint().get("keysRead"));
        assertEquals((long) keys, second.checkpoint().get("written"));
    }

    // ---- RDB files with Dragonfly records ----

    /**
     * A real RDB of keys a and b (b with a TTL), then spliced in before the EOF opcode: JSON doc:1, JSON doc:2
     * behind an expiry opcode, string mc:1 behind opcode 220 with memcached flags, and with {@code bloom} a
     * Bloom filter record bf:1 last.
     */
    private Path dragonflyRdb(boolean bloom) throws Exception {
        sourceServer.command("SET", "a", "1");
        sourceServer.command("SET", "b", "2", "EX", "1000");
        Path rdb = fetchRdb("real-" + System.nanoTime() + ".rdb");
        byte[] file = Files.readAllBytes(rdb);
        assertEquals(crc64(file, file.length - 8), footer(file), "the CRC64 below matches the one redis-server wrote");

        ByteArrayOutputStream records = new ByteArrayOutputStream();
        records.write(30);
        records.write(rdbString("doc:1"));
        records.write(rdbString("{\"a\":1}"));
        records.write(252);
        records.write(littleEndian(System.currentTimeMillis() + 3_600_000, 8));
        records.write(30);
        records.write(rdbString("doc:2"));
        records.write(rdbString("[1,2,3]"));
        records.write(220);
        records.write(littleEndian(2, 4));
        records.write(littleEndian(7, 4));
        records.write(0);
        records.write(rdbString("mc:1"));
        records.write(rdbString("v"));
        if (bloom) {
            records.write(33);
            records.write(rdbString("bf:1"));
            records.write(new byte[] {4, 1, 2, 3, 4});
        }
        int eof = file.length - 9;
        assertEquals((byte) 0xFF, file[eof], "the file ends with the EOF opcode and the checksum");
        ByteArrayOutputStream spliced = new ByteArrayOutputStream();
        spliced.write(file, 0, eof);
        spliced.write(records.toByteArray());
        spliced.write(0xFF);
        byte[] body = spliced.toByteArray();
        spliced.write(littleEndian(crc64(body, body.length), 8));
        Path out = home.resolve("dragonfly-" + System.nanoTime() + ".rdb");
        Files.write(out, spliced.toByteArray());
        return out;
    }

    private Path fetchRdb(String name) throws Exception {
        // The snapshot goes out at once instead of after the default wait for more replicas.
        sourceServer.command("CONFIG", "SET", "repl-diskless-sync-delay", "0");
        Path rdb = home.resolve(name);
        Process fetch = new ProcessBuilder("redis-cli", "-p", String.valueOf(sourceServer.port()), "--rdb", rdb.toString())
                .redirectErrorStream(true).start();
        fetch.getInputStream().readAllBytes();
        assertEquals(0, fetch.waitFor());
        return rdb;
    }

    /** An RDB string: its length (6- or 14-bit form) then its bytes. */
    private static byte[] rdbString(String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (bytes.length < 64) {
            out.write(bytes.length);
        } else {
            out.write(0x40 | (bytes.length >> 8));
            out.write(bytes.length & 0xFF);
        }
        out.writeBytes(bytes);
        return out.toByteArray();
    }

    private static byte[] littleEndian(long value, int bytes) {
        byte[] out = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
            out[i] = (byte) (value >>> (8 * i));
        }
        return out;
    }

    private static long footer(byte[] file) {
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value |= (file[file.length - 8 + i] & 0xFFL) << (8 * i);
        }
        return value;
    }

    /** Redis's CRC-64 (Jones polynomial, reflected, no final xor) of the first {@code length} bytes. */
    private static long crc64(byte[] data, int length) {
        long crc = 0;
        for (int i = 0; i < length; i++) {
            crc ^= data[i] & 0xFFL;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0x95AC9329AC4BC9B5L : crc >>> 1;
            }
        }
        return crc;
    }

    /** The keys of an RDB file in the order they are stored, read with redis-replicator's plain visitor. */
    private static List<String> keysInFileOrder(Path rdb) throws Exception {
        List<String> keys = new ArrayList<>();
        Replicator replicator = new RedisReplicator("redis://" + rdb.toAbsolutePath());
        replicator.addEventListener((rep, event) -> {
            if (event instanceof KeyValuePair<?, ?> pair) {
                keys.add(new String((byte[]) pair.getKey(), StandardCharsets.UTF_8));
            }
        });
        replicator.open();
        replicator.close();
        return keys;
    }

    private RdbFileImporter importer(Path snapshot) throws Exception {
        return importer(snapshot, "fail");
    }

    private RdbFileImporter importer(Path snapshot, String unsupportedTypes) throws Exception {
        return importer(snapshot, unsupportedTypes, 0);
    }

    private RdbFileImporter importer(Path snapshot, String unsupportedTypes, long maxFailures) throws Exception {
        Path file = home.resolve("migrate-" + System.nanoTime() + ".yaml");
        Files.writeString(file, """
                source: {addr: "%s"}
                target: {seed: "%s"}
                migrate: {mode: snapshot, importer: rdb, snapshotPath: %s, unsupportedTypes: %s, maxFailures: %d}
                """.formatted(sourceServer.address(), targetServer.address(), snapshot, unsupportedTypes, maxFailures));
        MigrationConfig config = MigrationConfigLoader.load(file, Map.of());
        StatusStore store = StatusStore.open(home.resolve("state/status-" + System.nanoTime() + ".json"));
        MigrationPaths paths = new MigrationPaths(home, home.resolve("state"), store.file(), home.resolve("state/wal"));
        return new RdbFileImporter(config, paths, new RedisEndpoints(vertx, config), store);
    }
}
