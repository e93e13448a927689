package io.df2redis.config;

import java.util.Map;

/** What to write for a required key that is missing. */
final class RequiredHints {

    private static final Map<String, String> HINTS = Map.of(
            "source.addr", "write host:port of the source (Dragonfly), e.g. source.addr: 127.0.0.1:6379",
            "target.seed", "write host:port of the target, or cluster seeds separated by commas, e.g. target.seed: 127.0.0.1:6390",
            "migrate.cutover.batches[*].percentage", "write the share of reads sent to the target, 0 to 100");

    private RequiredHints() {
    }

    static String hint(String key) {
        String hint = HINTS.get(KnownKeys.normalise(key));
        return hint != null ? hint : "write " + KnownKeys.expected(key) + " for " + key;
    }
}
