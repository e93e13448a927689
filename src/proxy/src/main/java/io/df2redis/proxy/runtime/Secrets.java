package io.df2redis.proxy.runtime;

import java.util.regex.Pattern;

/** Hides the credentials of Redis URLs (redis://[user:]password@host) in anything the proxy shows. */
final class Secrets {

    /**
     * Credentials end at the last {@code '@'} of a URL (a password may hold {@code '@'} and {@code '/'}): inside a JSON
     * string the URL runs to the closing quote (escapes skipped), elsewhere to the next blank or quote. The same
     * rule as the service's {@code ProxyOutput}.
     */
    private static final Pattern QUOTED = Pattern.compile("(\"rediss?(?:-cluster)?://)(?:[^\"\\\\]|\\\\.)*@");
    /** A text that is one URL and nothing else (a single-backend route): its password may even hold blanks. */
    private static final Pattern WHOLE = Pattern.compile("\\s*rediss?(?:-cluster)?://.*@[^@\\s]+\\s*");
    private static final Pattern BARE = Pattern.compile("(rediss?(?:-cluster)?://)[^\\s\"]*@");

    private Secrets() {
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

    static String maskUrls(String text) {
        if (text == null) {
            return null;
        }
        if (WHOLE.matcher(text).matches()) {
            return maskUrl(text);
        }
        return BARE.matcher(QUOTED.matcher(text).replaceAll("$1******@")).replaceAll("$1******@");
    }
}
