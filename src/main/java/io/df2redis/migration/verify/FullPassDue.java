package io.df2redis.migration.verify;

import io.df2redis.state.StatusStore;
import java.util.Map;

/**
 * Whether a possible-loss window (the proxy died while writes may have been forwarded) is not yet
 * covered by a full verify pass. Every cutover step checks it first.
 */
public record FullPassDue(int windows, int covered) {

    public static FullPassDue read(StatusStore store) {
        return store.read(s -> new FullPassDue(s.possibleLossWindows.size(),
                (int) s.possibleLossWindows.stream().filter(w -> Boolean.TRUE.equals(w.get("coveredByFullVerify"))).count()));
    }

    public boolean due() {
        return covered < windows;
    }

    /** Marks every window known now as covered by the full pass that just ended. */
    public void markCovered(StatusStore store) {
        store.update(s -> {
            for (int i = 0; i < Math.min(windows, s.possibleLossWindows.size()); i++) {
                Map<String, Object> window = s.possibleLossWindows.get(i);
                window.put("coveredByFullVerify", true);
            }
        });
    }
}
