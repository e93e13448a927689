package io.df2redis.contract.console;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code GET|POST /route}: the route in force once the answer is sent.
 *
 * @param routeVersion how many routes the proxy applied since it started
 * @param route the route, credentials masked: a Camellia resource table, or a JSON string for a single backend
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record RouteState(long routeVersion, JsonNode route) {
}
