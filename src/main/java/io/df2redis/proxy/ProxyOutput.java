package io.df2redis.proxy;

import java.util.regex.Pattern;

/** What of the proxy's output is shown where: credentials of backend URLs are always masked. */
final class ProxyOutput {

    private static final Pattern CREDENTIALS = Pattern.compile("(rediss?(-cluster)?://)[^@/\\s\"]*@");

    private ProxyOutput() {
    }

    static String maskUrls(String line) {
        return CREDENTIALS.matcher(line).replaceAll("$1******@");
    }

    /** Lines that deserve an event (bounded per run): the ready line, warnings, errors. */
    static boolean worthAnEvent(String line) {
        return line.startsWith("DF2REDIS-PROXY") || line.contains("WARN") || line.contains("ERROR") || line.contains("Exception");
    }
}
