package io.df2redis.migration.rollback;

import io.df2redis.migration.MigrationRuntime;
import io.df2redis.state.MigrationStatus;
import io.df2redis.state.PipelineStatus;
import io.df2redis.state.StageStatus;
import java.util.Optional;

/**
 * What a state directory's status says about a rollback, read before anything is started: whether
 * there is anything to roll back (the CLI answers at once, without booting; REST answers 409), and
 * whether an earlier rollback is unfinished (then it is what runs next, whatever plan was asked for).
 */
public final class RollbackCheck {

    private RollbackCheck() {
    }

    /**
     * Why a rollback has nothing to do on this status, in one line that says what to do instead; empty
     * when a rollback can run (or continue).
     */
    public static Optional<String> nothingToRollBack(Optional<MigrationStatus> found, String statusFile) {
        if (found.isEmpty() || found.get().plan == null) {
            return Optional.of("nothing to roll back: no migration has run with this state directory (no status in "
                    + statusFile + "); check stateDir in the migration file");
        }
        MigrationStatus status = found.get();
        if (unfinished(status)) {
            return Optional.empty();
        }
        if (MigrationRuntime.ROLLBACK.equals(status.plan)) {
            return Optional.of("nothing to roll back: the rollback already succeeded" + at(status)
                    + " and reads and writes go to the source; to migrate again, start with a fresh stateDir");
        }
        if (status.stage("start-proxy").isEmpty()) {
            return Optional.of("nothing to roll back: a snapshot run never routes applications, so the source has stayed "
                    + "primary; to remove the copy, empty the target yourself");
        }
        if (status.stage("start-proxy").get().status != StageStatus.SUCCEEDED) {
            return Optional.of("nothing to roll back: this run never started the proxy, so applications still use the "
                    + "source directly; to stop the run, abort it (POST /api/v1/migration/abort, or Ctrl-C on migrate)");
        }
        if ("done".equals(status.cutover.get("state"))) {
            return Optional.of("nothing to roll back: the migration finished" + at(status)
                    + " and its cleanup stopped mirroring to the source, which lacks the writes made since; "
                    + "to go back, migrate again with source and target swapped");
        }
        return Optional.empty();
    }

    /** True when a rollback started and has not succeeded: it must finish before any other plan runs. */
    public static boolean unfinished(MigrationStatus status) {
        return MigrationRuntime.ROLLBACK.equals(status.plan) && status.status != PipelineStatus.SUCCEEDED;
    }

    /** The plan to run when {@code requested} is asked for: an unfinished rollback comes first. */
    public static String planToRun(String requested, Optional<MigrationStatus> status) {
        return status.filter(RollbackCheck::unfinished).isPresent() ? MigrationRuntime.ROLLBACK : requested;
    }

    private static String at(MigrationStatus status) {
        return status.finishedAt == null ? "" : " at " + status.finishedAt;
    }
}
