package io.df2redis.importer.rdb;

import com.moilioncircle.redis.replicator.RedisReplicator;
import com.moilioncircle.redis.replicator.Replicator;
import com.moilioncircle.redis.replicator.rdb.datatype.KeyValuePair;
import io.df2redis.config.MigrationConfig.ConflictPolicy;
import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationConfigLoader;
import io.df2redis.config.MigrationPaths;
import io.df2redis.copy.WriterSettings;
import io.df2redis.importer.ImportResult;
import io.df2redis.importer.ImporterFixture;
import io.df2redis.importer.TestStageContext;
import io.df2redis.importer.TooManyFailuresException;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        Path rdb = dragonflyRdb();

        IllegalStateException failed = assertThrows(IllegalStateException.class,
                () -> await(importer(rdb, "fail").run(new TestStageContext(), standaloneWriter(writerSettings()))));

        for (String name : DRAGONFLY_KEYS) {
            assertTrue(failed.getMessage().contains(name), name + " named in: " + failed.getMessage());
        }
        assertTrue(failed.getMessage().contains("migrate.unsupportedTypes: skip"), failed.getMessage());
        assertEquals(0L, targetServer.command("DBSIZE"), "nothing written");
    }

    /** As above with {@code unsupportedTypes: skip}: the Dragonfly keys are skipped and listed by name, the rest is copied. */
    @Test
    void keysOfTypesNoRedisLoadsAreSkippedByNameAndTheRestIsCopied() throws Exception {
        Path rdb = dragonflyRdb();
        TestStageContext context = new TestStageContext();

        ImportResult result = await(importer(rdb, "skip").run(context, standaloneWriter(writerSettings())));

        assertEquals(3, result.copied());
        assertEquals("1", targetServer.command("GET", "a"));
        assertEquals("2", targetServer.command("GET", "b"));
        long ttl = (Long) targetServer.command("TTL", "b");
        assertTrue(ttl > 900 && ttl <= 1000, "b keeps its expiry: " + ttl);
        assertEquals("read past every Dragonfly record", targetServer.command("GET", "after"),
                "the key stored after the Dragonfly records, so each was stepped over exactly");
        assertEquals(3L, targetServer.command("DBSIZE"), "none of the Dragonfly keys");
        String warning = String.join("\n", context.warnings);
        for (String name : DRAGONFLY_KEYS) {
            assertTrue(warning.contains(name), name + " listed in: " + warning);
        }
        assertEquals(3L + DRAGONFLY_KEYS.size(), context.checkpoint().get("keysRead"), "every key record of the file handled");
    }

    /**
     * A file cut inside a record (here the last Dragonfly one) fails the preflight, saying where, and writes
     * nothing: the RDB reader alone would take the cut for the end of the file.
     */
    @Test
    void aFileCutShortFailsBeforeAnythingIsWrittenSayingWhereItStops() throws Exception {
        Path whole = dragonflyRdb();
        byte[] file = Files.readAllBytes(whole);
        Path cut = home.resolve("cut-" + System.nanoTime() + ".rdb");
        Files.write(cut, java.util.Arrays.copyOf(file, file.length - 2_000));

        IllegalStateException failed = assertThrows(IllegalStateException.class,
                () -> await(importer(cut, "skip").run(new TestStageContext(), standaloneWriter(writerSettings()))));

        assertTrue(failed.getMessage().contains("cut short"), failed.getMessage());
        assertTrue(failed.getMessage().contains("the last 'topk:1'"), failed.getMessage());
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

    /** The Dragonfly keys {@link #dragonflyRdb} splices in, as the importer names them. */
    private static final List<String> DRAGONFLY_KEYS = List.of("doc:1 (JSON", "doc:2 (JSON",
            "mc:1 (with Dragonfly-only attributes", "hfe:1 (hash with field expiry", "sme:1 (set with member expiry",
            "bf:1 (Bloom filter", "bf:2 (Bloom filter", "cms:1 (count-min sketch", "topk:1 (TopK", "cf:1 (Cuckoo filter");

    /**
     * A real RDB of keys a and b (b with a TTL), then spliced in before the EOF opcode one record of each
     * Dragonfly type in the layout Dragonfly's RdbSerializer writes (JSON doc:1, JSON doc:2 behind an expiry
     * opcode, string mc:1 behind opcode 220 with memcached flags, then types 31 to 37, the filters with blobs
     * larger than the reader's buffer), and last a plain string key {@code after}.
     */
    private Path dragonflyRdb() throws Exception {
        sourceServer.command("SET", "a", "1");
        sourceServer.command("SET", "b", "2", "EX", "1000");
        Path rdb = fetchRdb("real-" + System.nanoTime() + ".rdb");
        byte[] file = Files.readAllBytes(rdb);
        assertEquals(crc64(file, file.length - 8), footer(file), "the CRC64 below matches the one redis-server wrote");

        ByteArrayOutputStream records = new ByteArrayOutputStream();
        records.write(30);
        records.writeBytes(rdbString("doc:1"));
        records.writeBytes(rdbString("{\"a\":1}"));
        records.write(252);
        records.writeBytes(littleEndian(System.currentTimeMillis() + 3_600_000, 8));
        records.write(30);
        records.writeBytes(rdbString("doc:2"));
        records.writeBytes(rdbString("[1,2,3]"));
        records.write(220);
        records.writeBytes(littleEndian(2, 4));
        records.writeBytes(littleEndian(7, 4));
        records.write(0);
        records.writeBytes(rdbString("mc:1"));
        records.writeBytes(rdbString("v"));

        records.write(31); // hash with field expiry: entries, then field, value, expiry (-1: none) each
        records.writeBytes(rdbString("hfe:1"));
        records.writeBytes(rdbLength(2));
        records.writeBytes(rdbString("f1"));
        records.writeBytes(rdbString("v1"));
        records.writeBytes(new byte[] {(byte) 0xC0, (byte) 0xFF});
        records.writeBytes(rdbString("f2"));
        records.writeBytes(rdbString("x".repeat(300)));
        records.writeBytes(new byte[] {(byte) 0xC2, 0x10, 0x20, 0x30, 0x40});

        records.write(32); // set with member expiry: members, then member and expiry each
        records.writeBytes(rdbString("sme:1"));
        records.writeBytes(rdbLength(2));
        records.writeBytes(rdbString("m1"));
        records.writeBytes(rdbString("1790000000123456789"));
        records.writeBytes(rdbString("m2"));
        records.writeBytes(new byte[] {(byte) 0xC0, (byte) 0xFF});

        for (int type : new int[] {33, 34}) { // Bloom: options, two doubles, three sizes, then its filters
            records.write(type);
            records.writeBytes(rdbString(type == 33 ? "bf:1" : "bf:2"));
            records.writeBytes(rdbLength(0));
            records.writeBytes(littleEndian(Double.doubleToLongBits(2.0), 8));
            records.writeBytes(littleEndian(Double.doubleToLongBits(0.01), 8));
            records.writeBytes(rdbLength(0));
            records.writeBytes(rdbLength(1000));
            records.writeBytes(rdbLength(100_000));
            records.writeBytes(rdbLength(2));
            for (int filter = 0; filter < 2; filter++) {
                records.writeBytes(rdbLength(7));
                byte[] blob = blob(20_000 + filter);
                if (type == 33) {
                    records.writeBytes(rdbLength(blob.length));
                    records.writeBytes(blob);
                } else {
                    chunked(records, blob, 8_192);
                }
            }
        }

        records.write(35); // count-min sketch: width, depth, total, then width * depth 64-bit counters
        records.writeBytes(rdbString("cms:1"));
        records.writeBytes(rdbLength(500));
        records.writeBytes(rdbLength(4));
        records.writeBytes(rdbLength(123_456));
        records.writeBytes(blob(500 * 4 * 8));

        records.write(36); // TopK: options, k, width, depth, decay, the heap's items with counts, the counters
        records.writeBytes(rdbString("topk:1"));
        records.writeBytes(rdbLength(0));
        records.writeBytes(rdbLength(3));
        records.writeBytes(rdbLength(100));
        records.writeBytes(rdbLength(5));
        records.writeBytes(littleEndian(Double.doubleToLongBits(0.9), 8));
        records.writeBytes(rdbLength(2));
        records.writeBytes(rdbString("hot"));
        records.writeBytes(rdbLength(70_000));
        records.writeBytes(rdbString("warm"));
        records.writeBytes(rdbLength(12));
        byte[] counters = blob(100 * 5 * 4);
        records.writeBytes(rdbLength(counters.length));
        records.writeBytes(counters);

        records.write(37); // Cuckoo: six sizes, then its filters, each as chunks
        records.writeBytes(rdbString("cf:1"));
        for (long value : new long[] {4, 20, 1, 1024, 900, 3}) {
            records.writeBytes(rdbLength(value));
        }
        records.writeBytes(rdbLength(2));
        chunked(records, blob(4096), 4096);
        chunked(records, blob(8192), 3000);

        records.write(0);
        records.writeBytes(rdbString("after"));
        records.writeBytes(rdbString("read past every Dragonfly record"));
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

    /** An RDB string: its length then its bytes. */
    private static byte[] rdbString(String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(rdbLength(bytes.length));
        out.writeBytes(bytes);
        return out.toByteArray();
    }

    /** An RDB length in its 6-, 14- or 32-bit form. */
    private static byte[] rdbLength(long length) {
        if (length < 64) {
            return new byte[] {(byte) length};
        }
        if (length < 16_384) {
            return new byte[] {(byte) (0x40 | (length >> 8)), (byte) length};
        }
        return new byte[] {(byte) 0x80, (byte) (length >> 24), (byte) (length >> 16), (byte) (length >> 8), (byte) length};
    }

    /** A blob as Dragonfly writes its filters in chunks: the total length, then each chunk's length and bytes. */
    private static void chunked(ByteArrayOutputStream out, byte[] blob, int chunk) {
        out.writeBytes(rdbLength(blob.length));
        for (int offset = 0; offset < blob.length; offset += chunk) {
            int length = Math.min(chunk, blob.length - offset);
            out.writeBytes(rdbLength(length));
            out.write(blob, offset, length);
        }
    }

    /** Bytes that take every value, so a reader that miscounts lands on garbage rather than on zeros. */
    private static byte[] blob(int length) {
        byte[] bytes = new byte[length];
        new java.util.Random(length).nextBytes(bytes);
        return bytes;
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
