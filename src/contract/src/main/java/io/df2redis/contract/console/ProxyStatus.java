package io.df2redis.contract.console;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * {@code GET /status} of the proxy console.
 *
 * @param routeVersion how many routes the proxy applied since it started (0: none confirmed yet)
 * @param multiWriteMode Camellia's multi-write mode now in force
 * @param route the route in force, credentials masked: a Camellia resource table, or a JSON string for a single backend
 * @param fence the write fence
 * @param inflight writes sent to a backend and not answered yet
 * @param journal the dirty-key journal
 * @param metaCas the meta CAS hook
 * @param reads the split reads' view of the drain's progress
 * @param scripts the script figures
 * @param unmirrorable commands the proxy cannot dual-write, with how often clients sent them
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ProxyStatus(long routeVersion, String multiWriteMode, JsonNode route, Fence fence, long inflight, Journal journal,
        MetaCas metaCas, ReadsState reads, ScriptFigures scripts, Map<String, Long> unmirrorable) {

    /** The fence's figures within the status. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Fence(boolean on, String mode, long refused, long autoLifts) {
    }

    /**
     * The journal's figures.
     *
     * @param startHead the head when this proxy process started: intents up to it were written by an earlier process
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Journal(long head, long startHead, long intents, long commits, long refused, long queueDepth, String segment) {
    }

    /** The meta CAS hook's figures. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record MetaCas(boolean active, long applied, long dropped, long scriptReloads) {
    }
}
