package io.df2redis.migration;

import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationPaths;
import io.df2redis.state.PipelineStatus;
import io.df2redis.state.StatusStore;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/**
 * A state directory whose migration has ended (succeeded, or rolled back) has nothing left for a new
 * start of the migrate plan: a start over it would do nothing, or block at a stage whose premise the
 * rollback undid. This says why, and what to do, so the start is refused (409) instead. (An unfinished
 * rollback is not refused: a start continues it first.)
 */
@ApplicationScoped
public class FinishedStateDir {

    private final StatusStore store;
    private final MigrationConfig config;

    public FinishedStateDir(StatusStore store, MigrationConfig config) {
        this.store = store;
        this.config = config;
    }

    /** Why a start of the migrate plan must be refused, if it must. Reads the status in memory. */
    public Optional<String> refusal() {
        return store.read(s -> {
            if (s.status == null || s.status.active()) {
                return Optional.<String>empty();
            }
            String dir = MigrationPaths.of(config).stateDir().toString();
            String when = s.finishedAt == null ? "" : " at " + s.finishedAt;
            if (MigrationRuntime.MIGRATE.equals(s.plan) && s.status == PipelineStatus.SUCCEEDED) {
                return Optional.of("the migration in state directory " + dir + " already succeeded" + when
                        + ": nothing is left to run; to migrate again, point stateDir at a new directory (or move this one away) and start");
            }
            if (MigrationRuntime.ROLLBACK.equals(s.plan) && s.status == PipelineStatus.SUCCEEDED) {
                return Optional.of("the migration in state directory " + dir + " was rolled back" + when
                        + ": to migrate again, point stateDir at a new directory (or move this one away) and start");
            }
            return Optional.<String>empty();
        });
    }
}
