package io.df2redis.importer.scan;

import io.df2redis.config.MigrationConfig.ConflictPolicy;
import io.df2redis.config.MigrationConfig.DumpCompression;
import io.df2redis.contract.resp.RespConnection;
import io.df2redis.copy.TargetWriter;
import io.df2redis.copy.TargetWriterTest;
import io.df2redis.copy.WriterSettings;
import io.df2redis.importer.ImportResult;
import io.df2redis.importer.ImporterFixture;
import io.df2redis.importer.Keyspace;
import io.df2redis.importer.TestData;
import io.df2redis.importer.TestStageContext;
import io.df2redis.importer.TooManyFailuresException;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The scan importer against a real source and target. */
class ScanImporterTest extends ImporterFixture {

    @Test
    void copiesEveryTypeWithTtlsAndBinaryKeysExactly() {
        try (RespConnection client = sourceClient()) {
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
        try (RespConnection client = sourceClient()) {
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
        try (RespConnection client = sourceClient()) {
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

    /**
     * Steps: 100 durable keys, 50 keys that get a 1 ms TTL right after SCAN listed them (before DUMP), and
     * 20 keys with PEXPIRE 1 set just before the import; then the import. Only the durable keys arrive,
     * and every key that vanished after SCAN is counted as expired.
     */
    @Test
    void skipsKeysThatExpireBetweenScanAndDump() throws Exception {
        try (RespConnection client = sourceClient()) {
            List<Object[]> commands = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                commands.add(new Object[] {"SET", "durable:" + i, "v" + i, "PX", 600_000});
                if (i < 50) {
                    commands.add(new Object[] {"SET", "volatile:" + i, "v" + i});
                }
                if (i < 20) {
                    commands.add(new Object[] {"SET", "short:" + i, "v" + i, "PX", 1});
                }
            }
            client.pipeline(commands);
        }
        ScanImporter importer = new ScanImporter(() -> source, scanSettings(2)).afterScan(ScanImporterTest::expireVolatileKeys);

        ImportResult result = await(importer.run(new TestStageContext(), standaloneWriter(writerSettings())));

        assertEquals(100, result.copied());
        assertTrue(result.skippedExpired() >= 50, "expired between SCAN and DUMP: " + result.skippedExpired());
        Map<String, Keyspace.Entry> copied = Keyspace.read(targetServer.port(), 0);
        assertEquals(100, copied.size());
        Keyspace.assertExactCopy(Keyspace.read(sourceServer.port(), 0), copied);
    }

    /**
     * A SCAN batch bigger than a read round (5,000 keys in one batch, rounds of 1,024 read and written by
     * two readers and two writers at once): every key copied once, the expired ones of every round counted,
     * the batch's counts the sum of its rounds.
     */
    @Test
    void aBatchOfSeveralOverlappingRoundsCopiesExactlyAndAddsUpItsCounts() throws Exception {
        try (RespConnection client = sourceClient()) {
            TestData.load(client, 0, "many", 4_500, 41);
            List<Object[]> commands = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                commands.add(new Object[] {"SET", "volatile:" + i, "v" + i});
            }
            client.pipeline(commands);
        }
        targetServer.command("CONFIG", "RESETSTAT");
        ScanSettings base = scanSettings(2);
        ScanSettings oneBatch = new ScanSettings(5_000, 2, 1, 0, 0, java.util.Optional.empty(), base.ownKeys(),
                base.failuresFile(), DumpCompression.KEEP);
        ScanImporter importer = new ScanImporter(() -> source, oneBatch).afterScan(ScanImporterTest::expireVolatileKeys);

        ImportResult result = await(importer.run(new TestStageContext(), standaloneWriter(writerSettings())));

        assertEquals(4_500, result.copied());
        assertEquals(500, result.skippedExpired());
        long restores = TargetWriterTest.commandCalls(String.valueOf(targetServer.command("INFO", "commandstats")), "restore");
        assertTrue(restores >= 4_500 && restores < 4_500 + 200, "RESTOREs: " + restores);
        Keyspace.assertExactCopy(Keyspace.read(sourceServer.port(), 0), Keyspace.read(targetServer.port(), 0));
    }

    /**
     * Steps: 400 keys in batches of 40, two readers and two writers; when the fourth batch is listed, the
     * target's writes are paused (CLIENT PAUSE WRITE) so that RESTORE windows wait in flight, then every
     * connection of the readers to the source (last command DUMP or PEXPIRETIME) and of the writers to the
     * target (RESTORE) is killed, and the pause lifted. The reads and writes go on over new connections, each
     * retry encoding its commands anew, and the copy is exact.
     */
    @Test
    void readsAndWritesGoOnOverNewConnectionsWhenTheirsAreKilled() throws Exception {
        try (RespConnection client = sourceClient()) {
            TestData.load(client, 0, "killed", 400, 52);
        }
        AtomicInteger batches = new AtomicInteger();
        List<Integer> killed = new ArrayList<>();
        ScanImporter importer = new ScanImporter(() -> source, scanSettings(2)).afterScan(keys -> batches.incrementAndGet() == 4
                ? Uni.createFrom().item(() -> killed.add(killWhileWritesWait()))
                        .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                        .replaceWithVoid()
                : Uni.createFrom().voidItem());

        ImportResult result = await(importer.run(new TestStageContext(), standaloneWriter(writerSettings())));

        assertTrue(killed.get(0) >= 3, "connections killed: " + killed);
        assertEquals(400, result.copied());
        Keyspace.assertExactCopy(Keyspace.read(sourceServer.port(), 0), Keyspace.read(targetServer.port(), 0));
    }

    private static int killWhileWritesWait() {
        try {
            targetServer.command("CLIENT", "PAUSE", "5000", "WRITE");
            Thread.sleep(300);
            int killed = kill(sourceServer, "dump", "pexpiretime") + kill(targetServer, "restore");
            targetServer.command("CLIENT", "UNPAUSE");
            return killed;
        } catch (java.io.IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Kills the server's client connections whose last command was one of {@code commands}; how many. */
    private static int kill(io.df2redis.local.LocalRedis server, String... commands) {
        try {
            int killed = 0;
            for (String client : String.valueOf(server.command("CLIENT", "LIST")).split("\n")) {
                String id = field(client, "id");
                if (List.of(commands).contains(field(client, "cmd"))) {
                    server.command("CLIENT", "KILL", "ID", id);
                    killed++;
                }
            }
            return killed;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String field(String client, String name) {
        for (String pair : client.trim().split(" ")) {
            if (pair.startsWith(name + "=")) {
                return pair.substring(name.length() + 1);
            }
        }
        return "";
    }

    /**
     * Steps: one worker, batches of 40 keys; the first batch's copy held back for 300 ms, then the source's
     * SCAN count read. The SCAN of the second batch has gone out meanwhile (two calls, not one), and the
     * copy is exact.
     */
    @Test
    void theNextBatchIsScannedWhileTheCurrentOneIsCopied() throws Exception {
        try (RespConnection client = sourceClient()) {
            TestData.load(client, 0, "ahead", 400, 51);
        }
        sourceServer.command("CONFIG", "RESETSTAT");
        List<Long> scansWhileTheFirstBatchWaits = new ArrayList<>();
        ScanImporter importer = new ScanImporter(() -> source, scanSettings(1)).afterScan(keys -> scansWhileTheFirstBatchWaits.isEmpty()
                ? Uni.createFrom().voidItem().onItem().delayIt().by(Duration.ofMillis(300))
                        .chain(() -> source.send(Request.cmd(Command.INFO).arg("commandstats"), "INFO"))
                        .invoke(info -> scansWhileTheFirstBatchWaits.add(TargetWriterTest.commandCalls(info.toString(), "scan")))
                        .replaceWithVoid()
                : Uni.createFrom().voidItem());

        ImportResult result = await(importer.run(new TestStageContext(), standaloneWriter(writerSettings())));

        assertEquals(List.of(2L), scansWhileTheFirstBatchWaits, "SCAN calls while the first batch was held back");
        assertEquals(400, result.copied());
        Keyspace.assertExactCopy(Keyspace.read(sourceServer.port(), 0), Keyspace.read(targetServer.port(), 0));
    }

    /**
     * Steps: 2,000 keys, one reader and one writer, batches of 40; the target pauses writes for 3 s as the
     * import starts. While it is paused the source is read to the end: reads run ahead of the writes
     * instead of waiting for them. Then the copy completes, exact, and every byte read was given back.
     */
    @Test
    void theSourceIsReadAheadWhileTheTargetStalls() throws Exception {
        try (RespConnection client = sourceClient()) {
            TestData.load(client, 0, "stall", 2000, 52);
        }
        sourceServer.command("CONFIG", "RESETSTAT");
        targetServer.command("CLIENT", "PAUSE", "3000", "WRITE");
        long pausedAt = System.nanoTime();
        TestStageContext context = new TestStageContext();
        var copy = new ScanImporter(() -> source, scanSettings(1))
                .run(context, standaloneWriter(writerSettings()))
                .subscribeAsCompletionStage();

        long dumped = 0;
        long restored = 0;
        while (dumped < 2000 && System.nanoTime() - pausedAt < Duration.ofMillis(2500).toNanos()) {
            Thread.sleep(50);
            dumped = TargetWriterTest.commandCalls(sourceServer.command("INFO", "commandstats").toString(), "dump");
            restored = (Long) targetServer.command("DBSIZE");
        }
        assertTrue(System.nanoTime() - pausedAt < Duration.ofMillis(3000).toNanos(), "observed while the target was paused");
        assertEquals(2000, dumped, "keys read from the source while the target was paused");
        assertEquals(0, restored, "keys on the paused target");

        ImportResult result = copy.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(2000, result.copied());
        assertEquals(0.0, context.metrics.get("import_read_ahead_bytes"), "bytes held once every round is written");
        Keyspace.assertExactCopy(Keyspace.read(sourceServer.port(), 0), Keyspace.read(targetServer.port(), 0));
    }

    private static Uni<Void> expireVolatileKeys(List<byte[]> keys) {
        return Multi.createFrom().iterable(keys)
                .select().where(key -> new String(key, StandardCharsets.UTF_8).startsWith("volatile:"))
                .onItem().transformToUniAndConcatenate(key -> source.send(Request.cmd(Command.PEXPIRE).arg(key).arg(1), "PEXPIRE"))
                .onItem().ignoreAsUni()
                .onItem().delayIt().by(Duration.ofMillis(5));
    }

    /**
     * Steps: 2,500 keys in two databases; an import cancelled after its tenth checkpoint; a second import
     * from that checkpoint. The target is an exact copy and the second run did not start over.
     */
    @Test
    void resumesFromItsCheckpointAfterCancellation() throws Exception {
        try (RespConnection client = sourceClient()) {
            TestData.load(client, 0, "first", 2000, 31);
            TestData.load(client, 2, "second", 500, 32);
        }
        targetServer.command("CONFIG", "RESETSTAT");
        TestStageContext interrupted = new TestStageContext(Map.of(), 10);

        assertThrows(CancellationException.class, () -> await(new ScanImporter(() -> source, scanSettings(2))
                .run(interrupted, standaloneWriter(writerSettings()))));
        Map<String, Object> checkpoint = interrupted.checkpoint();
        assertEquals(0, ((Number) checkpoint.get("dbIndex")).intValue());
        assertNotEquals("0", checkpoint.get("cursor"));
        long restoredBefore = TargetWriterTest.commandCalls(String.valueOf(targetServer.command("INFO", "commandstats")), "restore");
        assertTrue(restoredBefore > 0 && restoredBefore < 2000, "restored before the cancellation: " + restoredBefore);

        TestStageContext resumed = new TestStageContext(checkpoint, Integer.MAX_VALUE);
        ImportResult result = await(new ScanImporter(() -> source, scanSettings(2)).run(resumed, standaloneWriter(writerSettings())));

        Keyspace.assertExactCopy(Keyspace.read(sourceServer.port(), 0), Keyspace.read(targetServer.port(), 0));
        Keyspace.assertExactCopy(Keyspace.read(sourceServer.port(), 2), Keyspace.read(targetServer.port(), 2));
        long restoredTotal = TargetWriterTest.commandCalls(String.valueOf(targetServer.command("INFO", "commandstats")), "restore");
        assertTrue(restoredTotal < 2500 + 2 * 40 * 2, "the resumed import started over: " + restoredTotal + " RESTOREs");
        assertTrue(result.copied() >= 2500, "copied " + result.copied());
        assertEquals(2, result.databases());
    }

    /**
     * Steps: three source keys already on the target, {@code conflictPolicy: fail}, {@code maxFailures: 1}.
     * The import fails naming the count and failures.jsonl, which lists the keys (binary ones in base64 too).
     */
    @Test
    void failsWithTheFailedKeysListedWhenMoreThanMaxFailures() throws Exception {
        Files.deleteIfExists(home.resolve("state/failures.jsonl"));
        byte[] binary = {'b', 0, (byte) 0xff};
        try (RespConnection client = sourceClient(); RespConnection targetClient = targetClient()) {
            for (Object key : new Object[] {"taken:1", "taken:2", binary}) {
                client.ok("SET", key, "source");
                targetClient.ok("SET", key, "target");
            }
            client.ok("SET", "free", "source");
        }
        WriterSettings failOnConflict = writerSettings().withConflictPolicy(ConflictPolicy.FAIL);
        TestStageContext context = new TestStageContext();

        TooManyFailuresException failure = assertThrows(TooManyFailuresException.class,
                () -> await(new ScanImporter(() -> source, scanSettings(1, 1)).run(context, standaloneWriter(failOnConflict))));

        assertTrue(failure.getMessage().contains("3 keys could not be copied, more than migrate.maxFailures (1)"), failure.getMessage());
        assertTrue(failure.getMessage().contains("failures.jsonl"), failure.getMessage());
        List<String> lines = Files.readAllLines(home.resolve("state/failures.jsonl"));
        assertEquals(3, lines.size());
        assertTrue(lines.stream().anyMatch(line -> line.contains("\"key\":\"taken:1\"") && line.contains("\"db\":0")
                && line.contains("conflictPolicy: fail")), lines.toString());
        assertTrue(lines.stream().anyMatch(line -> line.contains("\"keyBase64\":\"YgD/\"")), lines.toString());
        assertEquals("target", targetServer.command("GET", "taken:1"));
        assertEquals(3.0, context.metrics.get("import_failures"));
        assertFalse(context.warnings.isEmpty());
    }

    /**
     * Steps: a checkpoint of an earlier run that counted 1,000 failed keys, {@code maxFailures: 0}, a source
     * whose keys all copy. The earlier failures are not carried into this run: it completes, and its
     * checkpoint counts only its own failures (none).
     */
    @Test
    void maxFailuresCountsTheFailuresOfThisRunOnly() {
        try (RespConnection client = sourceClient()) {
            TestData.load(client, 0, "again", 200, 81);
        }
        TestStageContext resumed = new TestStageContext(Map.of("databases", List.of(0), "dbIndex", 0, "cursor", "0",
                "failures", 1000), Integer.MAX_VALUE);

        ImportResult result = await(new ScanImporter(() -> source, scanSettings(2, 0)).run(resumed, standaloneWriter(writerSettings())));

        assertEquals(0, result.failures());
        assertEquals(0L, ((Number) resumed.checkpoint().get("failures")).longValue());
        Keyspace.assertExactCopy(Keyspace.read(sourceServer.port(), 0), Keyspace.read(targetServer.port(), 0));
    }

    /**
     * Steps: a source user that may read only {@code ok:*} keys (ACL), 30 such keys and 3 others. The
     * refused DUMPs fail one pipelined round, which is then read key by key: the 30 keys arrive, the 3
     * are listed as failures with the source's reason.
     */
    @Test
    void copiesTheRestWhenTheSourceRefusesSomeDumps() throws Exception {
        sourceServer.command("ACL", "SETUSER", "reader", "on", ">reader-pw", "~ok:*", "+@all");
        try (RespConnection client = sourceClient()) {
            for (int i = 0; i < 30; i++) {
                client.ok("SET", "ok:" + i, "v" + i);
            }
            for (int i = 0; i < 3; i++) {
                client.ok("SET", "secret:" + i, "s" + i);
            }
        }
        io.df2redis.resp.RedisSide reader = new io.df2redis.resp.RedisSide(vertx, new io.df2redis.resp.RedisEndpoint("source",
                List.of(sourceServer.address()), java.util.Optional.of("reader"), java.util.Optional.of("reader-pw"), false, false),
                Duration.ofSeconds(5), 2);
        try {
            TargetWriter writer = new TargetWriter(reader, target, address -> null, writerSettings());
            ImportResult result = await(new ScanImporter(() -> reader, scanSettings(2, 3)).run(new TestStageContext(), writer));

            assertEquals(30, result.copied());
            assertEquals(3, result.failures());
            assertEquals(0L, targetServer.command("EXISTS", "secret:0", "secret:1", "secret:2"));
            assertEquals("v7", targetServer.command("GET", "ok:7"));
        } finally {
            reader.close();
            sourceServer.command("ACL", "DELUSER", "reader");
        }
    }

    @Test
    void keepsTheReadRateUnderMaxOpsPerMaster() throws Exception {
        try (RespConnection client = sourceClient()) {
            List<Object[]> commands = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                commands.add(new Object[] {"SET", "paced:" + i, "v"});
            }
            client.pipeline(commands);
        }
        ScanSettings paced = new ScanSettings(40, 2, 1, 1000, 0, java.util.Optional.empty(),
                scanSettings(1).ownKeys(), scanSettings(1).failuresFile(), DumpCompression.KEEP);
        long started = System.nanoTime();

        ImportResult result = await(new ScanImporter(() -> source, paced).run(new TestStageContext(), standaloneWriter(writerSettings())));

        double seconds = (System.nanoTime() - started) / 1e9;
        assertEquals(300, result.copied());
        assertTrue(seconds >= 0.2, "300 keys at 1000 keys/s took only " + seconds + " s");
    }
}
