package io.df2redis.migration.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.df2redis.local.LocalRedis;
import io.df2redis.migration.engine.DetachedStageContext;
import io.df2redis.migration.engine.StageResult;
import io.df2redis.state.StageStatus;
import io.df2redis.testing.TlsCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checks that need the servers run in the precheck, before anything is written: the databases the
 * copy uses exist on both sides, the target takes writes, and a TLS setting that does not match the
 * server is named instead of ending in a timeout. Real redis-servers on free loopback ports.
 */
class PrecheckServerChecksTest {

    @TempDir
    Path home;

    @AutoClose
    private final PrecheckRun precheck = new PrecheckRun();

    @Test
    void aSourceDbPastTheSourcesDatabasesIsRefusedBeforeAnythingIsWritten() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty())) {
            StageResult result = precheck("source: {type: redis, addr: \"" + source.address() + "\", db: 16}\n"
                    + "target: {seed: \"" + target.address() + "\"}\n");
            assertEquals(StageStatus.FAILED, result.status(), result.message());
            assertTrue(result.message().contains("source.db: 16 is not a database of the source (it answered ERR DB index is out of range)"),
                    result.message());
            assertEquals(0L, source.command("DBSIZE"));
            assertEquals(0L, target.command("DBSIZE"));
        }
    }

    @Test
    void aTargetWithoutTheDatabaseTheSourceUsesIsRefused() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty(), "--databases", "4")) {
            source.pipeline(java.util.List.of(java.util.List.of("SELECT", "6"), java.util.List.of("SET", "k", "v")));
            StageResult result = precheck("source: {type: redis, addr: \"" + source.address() + "\"}\n"
                    + "target: {seed: \"" + target.address() + "\"}\n");
            assertEquals(StageStatus.FAILED, result.status(), result.message());
            assertTrue(result.message().contains("the target has no database 6"), result.message());
        }
    }

    @Test
    void aReadOnlyReplicaAsTargetIsRefused() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis other = LocalRedis.start(home.resolve("other"), Optional.empty());
             LocalRedis replica = LocalRedis.start(home.resolve("replica"), Optional.empty(), "--replicaof", "127.0.0.1",
                     String.valueOf(other.port()))) {
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> String.valueOf(replica.command("INFO", "replication"))
                    .contains("master_link_status:up"));
            StageResult result = precheck("source: {type: redis, addr: \"" + source.address() + "\"}\n"
                    + "target: {seed: \"" + replica.address() + "\"}\n");
            assertEquals(StageStatus.FAILED, result.status(), result.message());
            assertTrue(result.message().contains("the target is a read-only replica of 127.0.0.1:" + other.port()
                    + " (role:slave), so it refuses writes: point target.seed at a master"), result.message());
        }
    }

    @Test
    void tlsAgainstAPlainTextServerSaysTheServerDoesNotSpeakTls() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty())) {
            RuntimeException failure = assertThrows(RuntimeException.class, () -> precheck(
                    "source: {type: redis, addr: \"" + source.address() + "\", tls: true}\n"
                    + "target: {seed: \"" + target.address() + "\"}\n"));
            assertEquals("source " + source.address() + " does not speak TLS (it answered a plain-text PING): set source.tls: false, "
                    + "or point source.addr at the server's TLS port", failure.getMessage());
        }
    }

    @Test
    void plainTextAgainstATlsPortSaysTheServerSpeaksTlsOnly() throws Exception {
        Path certs = Files.createDirectories(home.resolve("certs"));
        TlsCertificates.selfSigned(certs);
        int tlsPort = LocalRedis.freePort();
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty(), TlsCertificates.redisArgs(certs, tlsPort))) {
            RuntimeException failure = assertThrows(RuntimeException.class, () -> precheck(
                    "source: {type: redis, addr: \"" + source.address() + "\"}\n"
                    + "target: {seed: \"127.0.0.1:" + tlsPort + "\"}\n"));
            assertEquals("target 127.0.0.1:" + tlsPort + " speaks TLS only (it closed a plain-text connection and answered a TLS "
                    + "handshake): set target.tls: true, or point target.seed at the server's plain-text port", failure.getMessage());
        }
    }

    @Test
    void theReportSaysARedisSourceLetsScriptsWriteUndeclaredKeysAndNeedsTheNoscriptFallback() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty())) {
            DetachedStageContext context = new DetachedStageContext("precheck");
            StageResult result = precheck("source: {type: redis, addr: \"" + source.address() + "\"}\n"
                    + "target: {seed: \"" + target.address() + "\"}\n", context);
            assertEquals(StageStatus.SUCCEEDED, result.status(), result.message());
            assertTrue(context.warnings().stream().anyMatch(w -> w.startsWith("scripts may write keys they do not declare "
                    + "(a Redis source lets a script without flags write any key)")), String.valueOf(context.warnings()));
            assertTrue(context.warnings().stream().anyMatch(w -> w.contains("EVALSHA of a script loaded before the migration")
                    && w.contains("NOSCRIPT")), String.valueOf(context.warnings()));
            assertEquals(Map.of("undeclaredKeysAllowed", true, "basis", "a Redis source lets a script without flags write any key",
                    "sourceListsScripts", false), context.findings().get("scripts"));
            assertEquals(Boolean.TRUE, precheck.store().read(s -> s.scripts.undeclaredKeysAllowed), "recorded for the cutover steps");
        }
    }

    private StageResult precheck(String sides) throws Exception {
        return precheck(sides, new DetachedStageContext("precheck"));
    }

    private StageResult precheck(String sides, DetachedStageContext context) throws Exception {
        return precheck.run(sides, "engine: {remoteTimeout: 1s}\n", context);
    }
}
