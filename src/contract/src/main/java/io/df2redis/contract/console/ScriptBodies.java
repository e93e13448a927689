package io.df2redis.contract.console;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * {@code GET /scripts}: the script bodies seen through the proxy, in the order first seen (base64 on the wire).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ScriptBodies(ScriptFigures scripts, List<byte[]> bodies) {
}
