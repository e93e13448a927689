package io.df2redis.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.df2redis.local.DemoDataset;
import io.df2redis.local.LocalRedis;
import io.df2redis.state.StatusJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of the packaged service in the middle of a stage, then a restart.
 *
 * <p>Steps: load ~20k keys into the source; run {@code migrate} with a throttled import that
 * checkpoints every SCAN batch; while it runs, {@code status --json} from another process reads
 * the file; once the import checkpoint holds some keys, SIGKILL the service; run {@code migrate}
 * again. Then: precheck and baseline were not run again (same T0), the import continued from its
 * checkpoint (resumed once), and the baseline's inventory counts every key exactly once.
 */
@ExtendWith(ServiceLogOnFailure.class)
class ResumeAfterKillIT {

    @TempDir
    Path home;

    @Test
    void aKilledServiceContinuesTheStageFromItsCheckpoint() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty())) {
            DemoDataset.load(source, 1300, 11);
            long expectedKeys = (Long) source.command("DBSIZE");
            Path file = home.resolve("migrate.yaml");
            Files.writeString(file, """
                    source: {type: redis, addr: "%s"}
                    target: {seed: "%s"}
                    stateDir: state
                    migrate:
                      mode: snapshot
                      scanCount: 50
                      throttle: {maxOpsPerMaster: 2500}
                    engine: {checkpointEvery: 1}
                    """.formatted(source.address(), target.address()));
            Path statusFile = home.resolve("state/status.json");
            long db1Keys = 1300;

            Df2redisProcess first = Df2redisProcess.start(home, Map.of(), "migrate", "--config", file.toString());
            await().atMost(Duration.ofSeconds(60)).until(() -> StatusFiles.importCheckpointCopied(statusFile) >= 2000);

            Df2redisProcess.Run concurrent = Df2redisProcess.run(home, Map.of(), "status", "--json", "--config", file.toString());
            assertEquals(0, concurrent.exit(), concurrent.all());
            assertEquals("running", StatusJson.MAPPER.readTree(concurrent.stdout()).path("status").asText());

            first.process().destroyForcibly();
            assertEquals(137, first.await(10), "killed by SIGKILL");
            JsonNode killed = StatusJson.MAPPER.readTree(statusFile.toFile());
            assertEquals("running", killed.path("status").asText(), "nothing could record the kill");
            long t0 = StatusFiles.stage(killed, "baseline").path("checkpoint").path("t0").asLong();
            long keysAtKill = StatusFiles.stage(killed, "import").path("checkpoint").path("copied").asLong();
            assertTrue(keysAtKill < expectedKeys + db1Keys, "killed before the import finished");

            Df2redisProcess.Run second = Df2redisProcess.run(home, Map.of(), "migrate", "--config", file.toString());
            assertEquals(0, second.exit(), second.all());
            assertTrue(second.stdout().contains("pipeline.interrupted"), second.stdout());
            assertTrue(second.stdout().contains("[import] stage.resumed: continuing import from its checkpoint"), second.stdout());

            JsonNode done = StatusJson.MAPPER.readTree(statusFile.toFile());
            assertTrue(done.path("recentEvents").toString().contains("\"type\":\"pipeline.interrupted\""), "the status records the interruption");
            assertEquals(1, StatusFiles.stage(done, "precheck").path("attempts").asInt(), "precheck is not run again");
            assertEquals(1, StatusFiles.stage(done, "import").path("resumes").asInt());
            assertEquals(1, StatusFiles.stage(done, "baseline").path("attempts").asInt(), "the baseline is not run again");
            assertEquals(t0, StatusFiles.stage(done, "baseline").path("findings").path("t0").asLong(), "T0 survives the restart");
            assertEquals(expectedKeys + db1Keys, StatusFiles.stage(done, "baseline").path("findings").path("inventory").path("keys").asLong(),
                    "every key counted exactly once (df2redis's own MIGRATE_BASE_TS is not counted)");
        }
    }
}
