package io.df2redis.importer.scan;

import io.df2redis.config.MigrationConfig.DumpCompression;
import io.df2redis.contract.resp.RespConnection;
import io.df2redis.importer.ImportResult;
import io.df2redis.importer.ImporterFixture;
import io.df2redis.importer.Keyspace;
import io.df2redis.importer.TestData;
import io.df2redis.importer.TestStageContext;
import io.df2redis.resp.RedisEndpoint;
import io.df2redis.resp.RedisSide;
import io.df2redis.resp.ServerInfo;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code migrate.dumpCompression}: the source's rdbcompression during a scan import, against real servers. */
class SourceDumpCompressionTest extends ImporterFixture {

    @AfterEach
    void compressionBackToDefault() throws Exception {
        sourceServer.command("CONFIG", "SET", "rdbcompression", "yes");
    }

    @Test
    void offTurnsTheSourcesCompressionOffWhileTheImportRunsAndPutsItBackAfter() throws Exception {
        loadKeys(600);
        List<String> seenDuringCopy = new CopyOnWriteArrayList<>();
        ScanImporter importer = new ScanImporter(() -> source, settings(DumpCompression.OFF))
                .afterScan(keys -> sourceCompression().invoke(seenDuringCopy::add).replaceWithVoid());
        TestStageContext context = new TestStageContext();

        ImportResult result = await(importer.run(context, standaloneWriter(writerSettings())));

        assertEquals(600, result.copied());
        assertTrue(!seenDuringCopy.isEmpty() && seenDuringCopy.stream().allMatch("no"::equals),
                "rdbcompression seen by the batches: " + seenDuringCopy);
        assertEquals("yes", await(sourceCompression()));
        Keyspace.assertExactCopy(Keyspace.read(sourceServer.port(), 0), Keyspace.read(targetServer.port(), 0));
        assertTrue(context.infos.stream().anyMatch(line -> line.contains("rdbcompression is yes again")), context.infos.toString());
    }

    /** The value it had is in the checkpoint before the change, and a cancelled import puts it back too. */
    @Test
    void aCancelledImportPutsTheValueBackAndItsCheckpointKeepsIt() throws Exception {
        loadKeys(2000);
        TestStageContext interrupted = new TestStageContext(Map.of(), 4);

        assertThrows(CancellationException.class, () -> await(new ScanImporter(() -> source, settings(DumpCompression.OFF))
                .run(interrupted, standaloneWriter(writerSettings()))));

        assertEquals("yes", interrupted.checkpoint().get("sourceRdbCompression"));
        assertEquals("yes", await(sourceCompression()));
    }

    /** A crash (kill -9) leaves the source at "no": the next run puts the checkpoint's value back, even when set to keep. */
    @Test
    void theNextRunAfterACrashPutsTheValueBackEvenWithKeep() throws Exception {
        loadKeys(300);
        sourceServer.command("CONFIG", "SET", "rdbcompression", "no");
        TestStageContext afterCrash = new TestStageContext(Map.of("sourceRdbCompression", "yes"), Integer.MAX_VALUE);

        ImportResult result = await(new ScanImporter(() -> source, settings(DumpCompression.KEEP))
                .run(afterCrash, standaloneWriter(writerSettings())));

        assertEquals(300, result.copied());
        assertEquals("yes", await(sourceCompression()));
    }

    @Test
    void keepLeavesTheSourceAlone() throws Exception {
        loadKeys(300);
        sourceServer.command("CONFIG", "SET", "rdbcompression", "no");

        await(new ScanImporter(() -> source, settings(DumpCompression.KEEP))
                .run(new TestStageContext(), standaloneWriter(writerSettings())));

        assertEquals("no", await(sourceCompression()));
    }

    /** A user that may not run CONFIG (a managed Redis): a warning that says so, and the copy goes on. */
    @Test
    void aSourceThatRefusesConfigGetsAWarningAndTheCopyGoesOn() throws Exception {
        loadKeys(300);
        sourceServer.command("ACL", "SETUSER", "copier", "on", ">copier-secret", "~*", "+@all", "-config");
        try (RedisSide restricted = new RedisSide(vertx, new RedisEndpoint("source", List.of(sourceServer.address()),
                Optional.of("copier"), Optional.of("copier-secret"), false, false), Duration.ofSeconds(5), 8)) {
            TestStageContext context = new TestStageContext();

            ImportResult result = await(new ScanImporter(() -> restricted, settings(DumpCompression.OFF))
                    .run(context, standaloneWriter(writerSettings())));

            assertEquals(300, result.copied());
            assertEquals("yes", await(sourceCompression()));
            assertTrue(context.warnings.stream().anyMatch(line -> line.contains("migrate.dumpCompression is off")
                    && line.contains("could not be read or changed")), context.warnings.toString());
        } finally {
            sourceServer.command("ACL", "DELUSER", "copier");
        }
    }

    private static ScanSettings settings(DumpCompression compression) {
        ScanSettings base = scanSettings(2);
        return new ScanSettings(base.scanCount(), base.concurrency(), base.checkpointEvery(), 0, 0, Optional.empty(),
                base.ownKeys(), base.failuresFile(), compression);
    }

    private static Uni<String> sourceCompression() {
        return source.send(Command.CONFIG, "GET", SourceDumpCompression.SETTING)
                .map(reply -> ServerInfo.configValue(reply, SourceDumpCompression.SETTING).orElse("?"));
    }

    private static void loadKeys(int count) {
        try (RespConnection client = sourceClient()) {
            TestData.load(client, 0, "k", count, 11);
        }
    }
}
