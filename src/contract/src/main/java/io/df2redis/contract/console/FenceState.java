package io.df2redis.contract.console;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * {@code GET|POST /fence}: the fence now.
 *
 * @param on whether writes are fenced
 * @param mode {@code reject} or {@code hold}
 * @param inflight writes sent to a backend and not answered yet
 * @param journalHead the journal's last sequence
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record FenceState(boolean on, String mode, long inflight, long journalHead) {
}
