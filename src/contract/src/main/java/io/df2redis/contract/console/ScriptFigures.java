package io.df2redis.contract.console;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * The proxy's script figures (no body, no sha).
 *
 * @param since when the proxy started counting (epoch millis)
 * @param recorded bodies recorded
 * @param bytes their size in all
 * @param runs script runs that may write
 * @param flaggedRuns runs of bodies that ask for no writes
 * @param sentAsEval EVALSHA sent as EVAL (a side lacked the body)
 * @param noscript EVALSHA answered NOSCRIPT (the body was never seen)
 * @param unrecorded bodies not recorded (over the limits)
 * @param lastFailure the last failure to keep a body, empty if none
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ScriptFigures(long since, int recorded, long bytes, long runs, long flaggedRuns, long sentAsEval, long noscript,
        long unrecorded, String lastFailure) {
}
