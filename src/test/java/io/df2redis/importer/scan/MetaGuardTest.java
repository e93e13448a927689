package io.df2redis.importer.scan;

import io.df2redis.importer.ImporterFixture;
import io.df2redis.importer.TestStageContext;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The import side of the meta CAS guard: a key the proxy wrote after T0 (its meta time on the
 * target is newer) keeps the target's value; other keys are copied.
 */
class MetaGuardTest extends ImporterFixture {

    @Test
    void keysWrittenThroughTheProxyAfterT0AreNotOverwrittenByTheBaseline() throws Exception {
        long t0 = 1_800_000_000_000L;
        sourceServer.command("SET", "written-after-t0", "baseline-value");
        sourceServer.command("SET", "untouched", "baseline-value");
        sourceServer.command("SET", "written-before-t0", "baseline-value");
        targetServer.command("SET", "MIGRATE_BASE_TS", Long.toString(t0));
        targetServer.command("SET", "written-after-t0", "newer-through-the-proxy");
        targetServer.command("SET", "meta:{written-after-t0}", Long.toString(t0 + 5_000));
        targetServer.command("SET", "written-before-t0", "older");
        targetServer.command("SET", "meta:{written-before-t0}", Long.toString(t0 - 5_000));

        TestStageContext context = new TestStageContext();
        await(new ScanImporter(() -> source, scanSettings(2)).guard(new MetaGuard(true, "meta:{%s}", "MIGRATE_BASE_TS"))
                .run(context, standaloneWriter(writerSettings())));

        assertEquals("newer-through-the-proxy", targetServer.command("GET", "written-after-t0"));
        assertEquals("baseline-value", targetServer.command("GET", "untouched"));
        assertEquals("baseline-value", targetServer.command("GET", "written-before-t0"), "a meta time before T0 does not protect");
        assertEquals(1.0, context.metrics.get("import_skipped_newer_than_t0"));
    }

    @Test
    void withTheGuardOffEveryKeyIsCopied() throws Exception {
        sourceServer.command("SET", "k", "baseline-value");
        targetServer.command("SET", "MIGRATE_BASE_TS", "1");
        targetServer.command("SET", "meta:{k}", "2");
        await(new ScanImporter(() -> source, scanSettings(1)).run(new TestStageContext(), standaloneWriter(writerSettings())));
        assertEquals("baseline-value", targetServer.command("GET", "k"));
    }
}
