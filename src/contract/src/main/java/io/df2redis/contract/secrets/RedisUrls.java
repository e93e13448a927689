package io.df2redis.contract.secrets;

import java.util.regex.Pattern;

/**
 * Hides the credentials of Redis URLs ({@code redis://[user:]password@host}, {@code rediss://}, {@code redis-cluster://})
 * in anything shown: the proxy's console and monitor answers, and the proxy's output as the service logs it.
 */
public final class RedisUrls {

    /**
     * Credentials end at the last {@code '@'} of a URL (a password may hold {@code '@'} and {@code '/'}): inside a JSON
     * string the URL runs to the closing quote (escapes skipped), elsewhere to the next blank or quote.
     */
    private static final Pattern QUOTED = Pattern.compile("(\"rediss?(?:-cluster)?://)(?:[^\"\\\\]|\\\\.)*@");
    /** A text that is one URL and nothing else (a single-backend route): its password may even hold blanks. */
    private static final Pattern WHOLE = Pattern.compile("\\s*rediss?(?:-cluster)?://.*@[^@\\s]+\\s*");
    private static final Pattern BARE = Pattern.compile("(rediss?(?:-cluster)?://)[^\\s\"]*@");
    private static final String MASK = "******";

    private RedisUrls() {
    }

    /** One URL on its own (a single-backend route, a backend of the monitor): everything up to its last {@code '@'} is credentials. */
    public static String maskUrl(String url) {
        if (url == null) {
            return null;
        }
        int scheme = url.indexOf("://");
        int at = url.lastIndexOf('@');
        return scheme < 0 || at < scheme ? url : url.substring(0, scheme + 3) + MASK + url.substring(at);
    }

    /** Every URL in a text (a JSON document, a log line). */
    public static String maskUrls(String text) {
        if (text == null) {
            return null;
        }
        if (WHOLE.matcher(text).matches()) {
            return maskUrl(text);
        }
        return BARE.matcher(QUOTED.matcher(text).replaceAll("$1" + MASK + "@")).replaceAll("$1" + MASK + "@");
    }
}
