package io.df2redis.contract.console;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** Any answer of the console other than 200: what was wrong, in words an operator acts on. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ConsoleError(String error) {
}
