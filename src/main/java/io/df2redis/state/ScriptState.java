package io.df2redis.state;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Lua scripts during the migration: whether the source lets a script write keys it does not declare (such
 * writes are not in the journal), the script runs the proxy counted, how many of them a full verify pass
 * has covered, and the bodies copied and loaded on each side.
 */
@RegisterForReflection
public class ScriptState {

    /** Null until the precheck looked; true when the source lets scripts write undeclared keys. */
    public Boolean undeclaredKeysAllowed;
    /** What the precheck based that on (the setting and its value), for the report. */
    public String undeclaredKeysBasis;
    /** The proxy's counters as last read, and when that proxy process started them (they start at 0 when it restarts). */
    public long proxySince;
    public long proxyRuns;
    public long proxyFlaggedRuns;
    /** Script runs that may have written undeclared keys, since the migration started (survives proxy restarts). */
    public long untrackedRuns;
    /** How many of {@link #untrackedRuns} a full verify pass has covered. */
    public long untrackedRunsVerified;
    /** Bodies listed by the source itself ({@code SCRIPT LIST}, Dragonfly) and copied at the start. */
    public int copiedFromSource;
    /** Bodies loaded by the last load onto the target / the source, and the scripts the sides refused to compile. */
    public int loadedOnTarget;
    public int loadedOnSource;
    public int refusedBodies;

    /**
     * Adds the proxy's script counters read now: every new run when undeclared keys are allowed (or the
     * precheck has not said), else only the new runs of bodies that ask for them. Counters of another proxy
     * process ({@code since} changed: it restarted) are new from 0.
     */
    public void proxyCounters(long since, long runs, long flaggedRuns) {
        boolean sameProcess = since == proxySince && runs >= proxyRuns && flaggedRuns >= proxyFlaggedRuns;
        long newRuns = sameProcess ? runs - proxyRuns : runs;
        long newFlagged = sameProcess ? flaggedRuns - proxyFlaggedRuns : flaggedRuns;
        untrackedRuns += Boolean.FALSE.equals(undeclaredKeysAllowed) ? newFlagged : newRuns;
        proxySince = since;
        proxyRuns = runs;
        proxyFlaggedRuns = flaggedRuns;
    }
}
