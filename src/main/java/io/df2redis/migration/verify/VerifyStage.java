package io.df2redis.migration.verify;

import io.df2redis.config.MigrationConfig;
import io.df2redis.migration.engine.Stage;
import io.df2redis.migration.engine.StageContext;
import io.df2redis.migration.engine.StageResult;
import io.df2redis.migration.journal.JournalDrain;
import io.df2redis.state.StatusStore;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;

/**
 * The verify stage: one pass in {@code verify.mode} (a {@code full} pass whenever a possible-loss
 * window of the proxy is not yet covered by one), with the drain running. Mismatches block the plan:
 * the operator looks at {@code mismatches.jsonl}, fixes, and resumes.
 */
@ApplicationScoped
public class VerifyStage implements Stage {

    private final Verifier verifier;
    private final JournalDrain drain;
    private final MigrationConfig config;
    private final StatusStore store;

    public VerifyStage(Verifier verifier, JournalDrain drain, MigrationConfig config, StatusStore store) {
        this.verifier = verifier;
        this.drain = drain;
        this.config = config;
        this.store = store;
    }

    @Override
    public String name() {
        return "verify";
    }

    @Override
    public String description() {
        return "compare both sides (sample, full or dirty keys), re-check after the drain, repair, report mismatches";
    }

    @Override
    public Uni<StageResult> run(StageContext context) {
        FullPassDue due = FullPassDue.read(store);
        MigrationConfig.VerifyMode mode = due.due() ? MigrationConfig.VerifyMode.FULL : config.verify().mode();
        if (due.due()) {
            context.warn("a full pass runs: the proxy was down unexpectedly (" + due.windows()
                    + " possible-loss window(s)) and a write may lack its commit record");
        }
        return drain.ensureRunning(0)
                .chain(() -> pass(mode, context))
                .chain(report -> {
                    context.finding("verify", Map.of("mode", mode.name().toLowerCase(), "checked", report.checked,
                            "differences", report.differences, "repaired", report.repaired, "mismatches", report.mismatched));
                    if (report.mismatched > 0) {
                        return Uni.createFrom().item(StageResult.blocked(report.summary() + "; see "
                                + "mismatches.jsonl in the state directory, fix the keys, then resume"));
                    }
                    if (mode == MigrationConfig.VerifyMode.FULL) {
                        due.markCovered(store);
                    }
                    return Uni.createFrom().item(StageResult.succeeded(mode.name().toLowerCase() + " pass: " + report.summary()));
                });
    }

    Uni<Verifier.Report> pass(MigrationConfig.VerifyMode mode, StageContext context) {
        return switch (mode) {
            case FULL -> verifier.scanPass(1.0, report -> context.progress(report.checked, null, "keys"));
            case SAMPLE -> verifier.scanPass(config.consistency().sampleRate(), report -> context.progress(report.checked, null, "keys"));
            case DIRTY -> verifier.dirtyPass(report -> context.progress(report.checked, null, "keys"));
        };
    }
}
