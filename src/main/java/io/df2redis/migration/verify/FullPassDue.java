package io.df2redis.migration.verify;

import io.df2redis.state.StatusStore;
import java.util.Map;

/**
 * Whether writes the journal may lack are not yet covered by a full verify pass: a possible-loss window
 * (the proxy died while writes may have been forwarded), or script runs through the proxy that may have
 * written keys they did not declare (an untracked-write window, counted by
 * {@link io.df2redis.migration.scripts.ScriptCopy#refreshRuns}). Every cutover step checks it first.
 */
public record FullPassDue(int windows, int covered, long untrackedScriptRuns, long scriptRunsCovered) {

    public static FullPassDue read(StatusStore store) {
        return store.read(s -> new FullPassDue(s.possibleLossWindows.size(),
                (int) s.possibleLossWindows.stream().filter(w -> Boolean.TRUE.equals(w.get("coveredByFullVerify"))).count(),
                s.scripts.untrackedRuns, s.scripts.untrackedRunsVerified));
    }

    public boolean due() {
        return covered < windows || scriptRunsCovered < untrackedScriptRuns;
    }

    /** Why a full pass is due, for the operator. */
    public String reason() {
        StringBuilder reason = new StringBuilder();
        if (covered < windows) {
            reason.append("the proxy was down unexpectedly (").append(windows - covered)
                    .append(" possible-loss window(s)) and a write may lack its commit record");
        }
        if (scriptRunsCovered < untrackedScriptRuns) {
            reason.append(reason.length() > 0 ? "; " : "").append(untrackedScriptRuns - scriptRunsCovered)
                    .append(" script run(s) through the proxy may have written keys they did not declare (not in the journal)");
        }
        return reason.toString();
    }

    /** Marks every window and every script run known when this was read as covered by the full pass that just ended. */
    public void markCovered(StatusStore store) {
        store.update(s -> {
            for (int i = 0; i < Math.min(windows, s.possibleLossWindows.size()); i++) {
                Map<String, Object> window = s.possibleLossWindows.get(i);
                window.put("coveredByFullVerify", true);
            }
            s.scripts.untrackedRunsVerified = Math.max(s.scripts.untrackedRunsVerified, untrackedScriptRuns);
        });
    }
}
