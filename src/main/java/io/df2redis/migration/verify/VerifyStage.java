package io.df2redis.migration.verify;

import io.df2redis.config.MigrationConfig;
import io.df2redis.copy.BatchCheck;
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
 * the operator looks at {@code mismatches.jsonl}, fixes, and resumes. A pass with more differences than
 * {@code verify.maxDifferenceRate} escalates to full passes until one is within it.
 */
@ApplicationScoped
public class VerifyStage implements Stage {

    /** Checkpoint field: a pass found too many differences, full passes run until one is clean. */
    static final String ESCALATED = "fullPassesUntilClean";
    /** Full passes above {@code verify.maxDifferenceRate} before the stage blocks. */
    static final int FULL_PASSES = 3;

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
        boolean escalated = Boolean.TRUE.equals(context.checkpoint().get(ESCALATED));
        MigrationConfig.VerifyMode mode = due.due() || escalated ? MigrationConfig.VerifyMode.FULL : config.verify().mode();
        if (due.due()) {
            context.warn("a full pass runs: " + due.reason());
        }
        if (escalated) {
            context.warn("a full pass runs: an earlier pass found more than verify.maxDifferenceRate of its keys differing");
        }
        return drain.ensureRunning(0)
                .chain(() -> passUntilClean(mode, context, due, 1, new Verifier.Report(), 1, !due.due() && !escalated && copyVerified()));
    }

    /**
     * One pass, then the verdict. A pass whose real differences (repaired or mismatched; transient and busy
     * ones do not count) exceed {@code verify.maxDifferenceRate} of the keys it checked says the copy cannot be
     * trusted: repairing what a sample happened to pick leaves the same share wrong elsewhere. So full passes
     * follow (the decision is checkpointed, so a resume runs them too) until one stays within the rate; after
     * {@link #FULL_PASSES} full passes above it the stage blocks with the reason.
     */
    private Uni<StageResult> passUntilClean(MigrationConfig.VerifyMode mode, StageContext context, FullPassDue due, int fullPasses,
            Verifier.Report stage, int passes, boolean copyVerified) {
        return pass(mode, context, copyVerified)
                .chain(report -> {
                    // The finding adds up every pass of the stage: a repair of an earlier pass stays visible.
                    stage.add(report);
                    context.finding("verify", Map.of("mode", mode.name().toLowerCase(), "passes", passes, "checked", stage.checked,
                            "differences", stage.differences, "repaired", stage.repaired, "busy", stage.busy, "mismatches", stage.mismatched));
                    if (report.mismatched > 0) {
                        return Uni.createFrom().item(StageResult.blocked(report.summary() + "; see "
                                + "mismatches.jsonl in the state directory, fix the keys, then resume"));
                    }
                    double maxRate = config.verify().maxDifferenceRate();
                    // busy keys (written during each of their comparisons) are in flight, not wrong
                    long real = report.differences - report.transientDifferences - report.busy;
                    if (report.checked > 0 && real > maxRate * report.checked) {
                        String found = real + " of the " + report.checked + " keys checked differing (" + percent((double) real / report.checked)
                                + ", repaired), more than verify.maxDifferenceRate (" + percent(maxRate) + ")";
                        if (mode == MigrationConfig.VerifyMode.FULL && fullPasses >= FULL_PASSES) {
                            return Uni.createFrom().item(StageResult.blocked(FULL_PASSES + " full passes in a row found too many "
                                    + "differences (the last: " + found + "): something other than "
                                    + "df2redis writes the target, or writes reach the source without the proxy; stop it (CLIENT LIST "
                                    + "on both sides shows who), then resume"));
                        }
                        context.warn("the " + mode.name().toLowerCase() + " pass found " + found + ": a full pass runs");
                        return context.saveCheckpoint(Map.of(ESCALATED, true))
                                .chain(() -> passUntilClean(MigrationConfig.VerifyMode.FULL, context, due,
                                        mode == MigrationConfig.VerifyMode.FULL ? fullPasses + 1 : fullPasses, stage, passes + 1, false));
                    }
                    if (mode == MigrationConfig.VerifyMode.FULL) {
                        due.markCovered(store);
                    }
                    return Uni.createFrom().item(StageResult.succeeded(mode.name().toLowerCase() + " pass: " + report.summary()
                            + (passes > 1 ? " (the last of " + passes + " passes, which repaired " + stage.repaired + " keys in all)" : "")));
                });
    }

    /**
     * Whether the copy verified every batch it wrote ({@code verify.duringCopy} from its start): the first full
     * pass of the stage then checks only what that leaves. Any pass after it (an escalation) reads everything.
     */
    private boolean copyVerified() {
        return config.verify().duringCopy()
                && store.read(s -> s.stage("import").map(stage -> BatchCheck.verifiedDuringCopy(stage.checkpoint)).orElse(false));
    }

    private Uni<Verifier.Report> afterVerifiedCopy(StageContext context) {
        context.info("the copy verified every batch it wrote: the full pass checks the keys only on the target, the keys the copy "
                + "found differing and the keys written since");
        return verifier.afterVerifiedCopy(report -> context.progress(report.checked, null, "keys"));
    }

    private static String percent(double rate) {
        return String.format(java.util.Locale.ROOT, "%.1f %%", rate * 100);
    }

    Uni<Verifier.Report> pass(MigrationConfig.VerifyMode mode, StageContext context, boolean copyVerified) {
        return switch (mode) {
            case FULL -> copyVerified ? afterVerifiedCopy(context) : verifier.scanPass(1.0, report -> context.progress(report.checked, null, "keys"));
            case SAMPLE -> verifier.scanPass(config.consistency().sampleRate(), report -> context.progress(report.checked, null, "keys"));
            case DIRTY -> verifier.dirtyPass(report -> context.progress(report.checked, null, "keys"));
        };
    }
}
