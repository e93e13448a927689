package io.df2redis.proxy;

import java.util.regex.Pattern;

/** What of the proxy's output is shown where: credentials of backend URLs are always masked. */
final class ProxyOutput {

    /**
     * Credentials end at the last {@code '@'} of a URL (a password may hold {@code '@'} and {@code '/'}): inside a JSON
     * string the URL runs to the closing quote (escapes skipped), elsewhere to the next blank or quote.
     */
    private static final Pattern QUOTED = Pattern.compile("(\"rediss?(?:-cluster)?://)(?:[^\"\\\\]|\\\\.)*@");
    /** A text that is one URL and nothing else (a single-backend route): its password may even hold blanks. */
    private static final Pattern WHOLE = Pattern.compile("\\s*rediss?(?:-cluster)?://.*@[^@\\s]+\\s*");
    private static final Pattern BARE = Pattern.compile("(rediss?(?:-cluster)?://)[^\\s\"]*@");

    private ProxyOutput() {
    }

    /** One URL on its own (a single-backend route, a backend of the monitor): everything up to its last {@code '@'} is credentials. */
    static String maskUrl(String url) {
        if (url == null) {
            return null;
        }
        int scheme = url.indexOf("://");
        int at = url.lastIndexOf('@');
        return scheme < 0 || at < scheme ? url : url.substring(0, scheme + 3) + "******" + url.substring(at);
    }

    static String maskUrls(String line) {
        if (WHOLE.matcher(line).matches()) {
            return maskUrl(line);
        }
        return BARE.matcher(QUOTED.matcher(line).replaceAll("$1******@")).replaceAll("$1******@");
    }

    /** Lines that deserve an event (bounded per run): the ready line, warnings, errors. */
    static boolean worthAnEvent(String line) {
        return line.startsWith("DF2REDIS-PROXY") || line.contains("WARN") || line.contains("ERROR") || line.contains("Exception");
    }
}
