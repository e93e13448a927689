package io.df2redis.importer.rdbcli;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One progress line of redis-rdb-cli (rewritten in place with {@code \r}), e.g.
 * {@code /[ 12.3MB/ 45.6MB| 27%|dump.rdb][###---]|  1.2MB/s]}: bytes read, the file's size, the
 * percentage and the rate, in SI units.
 */
record RmtProgress(long bytesRead, Long totalBytes, Integer percent, long bytesPerSecond) {

    private static final String SIZE = "([0-9.]+) ?([kMGTPE]?)B";
    private static final Pattern LINE = Pattern.compile("^[/\\\\]\\[\\s*" + SIZE + "(?:/\\s*" + SIZE + "\\|\\s*(\\d+)%)?");
    private static final Pattern RATE = Pattern.compile("\\|\\s*" + SIZE + "/s]\\s*$");

    static Optional<RmtProgress> parse(String line) {
        Matcher head = LINE.matcher(line.trim());
        if (!head.find()) {
            return Optional.empty();
        }
        long read = bytes(head.group(1), head.group(2));
        Long total = head.group(3) == null ? null : bytes(head.group(3), head.group(4));
        Integer percent = head.group(5) == null ? null : Integer.parseInt(head.group(5));
        Matcher rate = RATE.matcher(line.trim());
        long perSecond = rate.find() ? bytes(rate.group(1), rate.group(2)) : 0;
        return Optional.of(new RmtProgress(read, total, percent, perSecond));
    }

    private static long bytes(String number, String unit) {
        double value = Double.parseDouble(number);
        int power = unit.isEmpty() ? 0 : "kMGTPE".indexOf(unit.toUpperCase(Locale.ROOT).equals("K") ? "k" : unit) + 1;
        return Math.round(value * Math.pow(1000, power));
    }
}
