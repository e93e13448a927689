package io.df2redis.migration.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.df2redis.migration.engine.DetachedStageContext;
import io.df2redis.local.LocalRedis;
import io.df2redis.migration.engine.StageResult;
import io.df2redis.state.StageStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The precheck tells source and target apart by what the servers say, not by their addresses, and
 * refuses one dataset on both sides whatever the settings allow ({@code targetNonEmpty: allow}).
 */
class PrecheckIdentityTest {

    @TempDir
    Path home;

    @AutoClose
    private final PrecheckRun precheck = new PrecheckRun();

    @Test
    void oneServerNamedTwoWaysIsRefused() throws Exception {
        try (LocalRedis server = LocalRedis.start(home.resolve("one"), Optional.empty())) {
            server.command("SET", "k", "v");
            StageResult result = precheck("127.0.0.1:" + server.port(), "localhost:" + server.port());
            assertEquals(StageStatus.FAILED, result.status(), result.message());
            assertTrue(result.message().contains("source and target are the same server (run_id "), result.message());
            assertEquals("v", server.command("GET", "k"), "nothing was written");
        }
    }

    @Test
    void aTargetThatReplicatesTheSourceIsRefused() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis replica = LocalRedis.start(home.resolve("replica"), Optional.empty(), "--replicaof", "127.0.0.1",
                     String.valueOf(source.port()))) {
            source.command("SET", "k", "v");
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> String.valueOf(replica.command("INFO", "replication"))
                    .contains("master_link_status:up"));
            StageResult result = precheck(source.address(), replica.address());
            assertEquals(StageStatus.FAILED, result.status(), result.message());
            assertTrue(result.message().contains("share the replication id") && result.message().contains("role slave"), result.message());
        }
    }

    @Test
    void twoServersPassTheIdentityCheck() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("a"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("b"), Optional.empty())) {
            StageResult result = precheck(source.address(), target.address());
            assertFalse(result.message().contains("same server") || result.message().contains("replication id"), result.message());
            assertEquals(StageStatus.SUCCEEDED, result.status(), result.message());
        }
    }

    private StageResult precheck(String source, String target) throws Exception {
        return precheck.run("source: {type: redis, addr: \"" + source + "\"}\ntarget: {seed: \"" + target + "\"}\n", "",
                new DetachedStageContext("precheck"));
    }
}
