package io.df2redis.migration.rollback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.df2redis.state.MigrationStatus;
import io.df2redis.state.PipelineStatus;
import io.df2redis.state.StageStatus;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What a status says about a rollback: nothing to roll back (and what to do instead), or a rollback to run or continue. */
class RollbackCheckTest {

    private static final String FILE = "/var/df2redis/status.json";

    @Test
    void noStatusMeansNothingToRollBack() {
        assertEquals(Optional.of("nothing to roll back: no migration has run with this state directory (no status in "
                + FILE + "); check stateDir in the migration file"), RollbackCheck.nothingToRollBack(Optional.empty(), FILE));
    }

    @Test
    void aSnapshotRunHasNothingToRollBack() {
        MigrationStatus snapshot = run("migrate", PipelineStatus.SUCCEEDED, "precheck", "baseline", "import", "verify");

        assertEquals(Optional.of("nothing to roll back: a snapshot run never routes applications, so the source has stayed "
                + "primary; to remove the copy, empty the target yourself"), RollbackCheck.nothingToRollBack(Optional.of(snapshot), FILE));
    }

    @Test
    void aLiveRunThatNeverStartedTheProxyHasNothingToRollBack() {
        MigrationStatus live = run("migrate", PipelineStatus.FAILED, "precheck", "meta-hook", "start-proxy");
        live.stage("start-proxy").get().status = StageStatus.PENDING;

        assertTrue(RollbackCheck.nothingToRollBack(Optional.of(live), FILE).orElseThrow()
                .startsWith("nothing to roll back: this run never started the proxy"));
    }

    @Test
    void aFinishedAndCleanedUpRunHasNothingToRollBack() {
        MigrationStatus finished = run("migrate", PipelineStatus.SUCCEEDED, "start-proxy", "fence", "cleanup");
        finished.cutover.put("state", "done");
        finished.finishedAt = Instant.parse("2026-12-07T05:00:00Z");

        assertEquals(Optional.of("nothing to roll back: the migration finished at 2026-12-07T05:00:00Z and its cleanup stopped "
                + "mirroring to the source, which lacks the writes made since; to go back, migrate again with source and target "
                + "swapped"), RollbackCheck.nothingToRollBack(Optional.of(finished), FILE));
    }

    @Test
    void aSucceededRollbackHasNothingMoreToRollBack() {
        MigrationStatus rolledBack = run("rollback", PipelineStatus.SUCCEEDED, "start-proxy", "rollback-route");

        assertTrue(RollbackCheck.nothingToRollBack(Optional.of(rolledBack), FILE).orElseThrow()
                .startsWith("nothing to roll back: the rollback already succeeded"));
    }

    @Test
    void aLiveRunWithTheProxyUpCanBeRolledBack() {
        MigrationStatus live = run("migrate", PipelineStatus.RUNNING, "start-proxy", "import");

        assertEquals(Optional.empty(), RollbackCheck.nothingToRollBack(Optional.of(live), FILE));
        assertEquals("migrate", RollbackCheck.planToRun("migrate", Optional.of(live)));
    }

    @Test
    void anInterruptedRollbackRunsBeforeAnyOtherPlan() {
        MigrationStatus interrupted = run("rollback", PipelineStatus.INTERRUPTED, "start-proxy", "rollback-drain", "rollback-route");

        assertEquals(Optional.empty(), RollbackCheck.nothingToRollBack(Optional.of(interrupted), FILE), "a rollback continues it");
        assertEquals("rollback", RollbackCheck.planToRun("migrate", Optional.of(interrupted)), "a migrate continues it too");
    }

    private static MigrationStatus run(String plan, PipelineStatus status, String... succeededStages) {
        MigrationStatus s = new MigrationStatus();
        s.plan = plan;
        s.status = status;
        for (String stage : succeededStages) {
            s.stageOrCreate(stage).status = StageStatus.SUCCEEDED;
        }
        return s;
    }
}
