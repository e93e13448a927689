package io.df2redis.contract.console;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * {@code POST /journal/applied} and the {@code reads} of the status: how far the proxy knows the drain got.
 *
 * @param applied the last journal sequence the drain applied
 * @param unappliedKeys keys written after it, whose reads go to the primary while reads are split
 * @param primaryOnly whether every read goes to the primary (too many such keys to track)
 * @param readsFromMirror whether the route sends some reads to the mirror
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ReadsState(long applied, long unappliedKeys, boolean primaryOnly, boolean readsFromMirror) {
}
