package io.df2redis.proxy.runtime;

import java.util.regex.Pattern;

/** Hides the credentials of Redis URLs (redis://[user:]password@host) in anything the proxy shows. */
final class Secrets {

    private static final Pattern CREDENTIALS = Pattern.compile("(rediss?://)[^@/\\s\"]*@");

    private Secrets() {
    }

    static String maskUrls(String text) {
        return text == null ? null : CREDENTIALS.matcher(text).replaceAll("$1******@");
    }
}
