package io.df2redis.contract.console;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** {@code GET|POST /multi-write-mode}: Camellia's multi-write mode in force. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record MultiWriteModeState(String multiWriteMode) {
}
