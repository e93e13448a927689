package io.df2redis.importer.rdbcli;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What rmt's log says about a run: it exits 0 even when keys failed, so the failures are counted
 * from its {@code failure[...]} lines. Keys the target already held ({@code BUSYKEY} without
 * {@code -r}) are counted apart; expired keys too.
 */
record RmtOutcome(long failed, long busyKeys, long expired, List<String> samples, List<String> lastLines) {

    private static final Pattern FAILURE = Pattern.compile("failure\\[(\\w+)] \\[([^\\]]*)](?:, reason: (.*))?");
    private static final int SAMPLES = 20;
    private static final int LAST_LINES = 10;

    static RmtOutcome read(List<String> newLogLines) {
        long failed = 0;
        long busy = 0;
        long expired = 0;
        List<String> samples = new ArrayList<>();
        for (String line : newLogLines) {
            Matcher failure = FAILURE.matcher(line);
            if (!failure.find()) {
                continue;
            }
            String kind = failure.group(1);
            String detail = failure.group(2);
            if (kind.equals("expired")) {
                expired++;
            } else if (detail.startsWith("BUSYKEY")) {
                busy++;
            } else {
                failed++;
                if (samples.size() < SAMPLES) {
                    samples.add(kind + ": " + detail + (failure.group(3) == null ? "" : " (" + failure.group(3) + ")"));
                }
            }
        }
        List<String> last = newLogLines.subList(Math.max(0, newLogLines.size() - LAST_LINES), newLogLines.size());
        return new RmtOutcome(failed, busy, expired, samples, List.copyOf(last));
    }
}
