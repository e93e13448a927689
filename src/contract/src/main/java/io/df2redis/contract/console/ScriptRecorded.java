package io.df2redis.contract.console;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** {@code POST /scripts}: the body was recorded under {@code sha}. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ScriptRecorded(String sha, ScriptFigures scripts) {
}
