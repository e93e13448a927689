package io.df2redis.resp;

/**
 * Guards one cursor loop (SCAN, HSCAN, SSCAN, ZSCAN) against a server that returns the cursor it was
 * given forever, as older Dragonfly releases did for a key deleted mid-scan: the loop fails, naming the
 * server, instead of running without end.
 */
public final class CursorGuard {

    /** Times in a row a non-zero cursor may come back unchanged before the loop gives up. */
    public static final int MAX_REPEATED = 3;

    private final RedisEndpoint endpoint;
    private final String command;
    private int repeated;

    public CursorGuard(RedisEndpoint endpoint, String command) {
        this.endpoint = endpoint;
        this.command = command;
    }

    /** Checks the cursor a call returned against the one it was given; returns the returned one. */
    public String check(String given, String returned) {
        if ("0".equals(returned) || !returned.equals(given)) {
            repeated = 0;
            return returned;
        }
        if (++repeated >= MAX_REPEATED) {
            throw new IllegalStateException(endpoint + " returned " + command + " cursor " + returned + " " + repeated
                    + " times in a row: the server's " + command + " does not advance (a known bug of older Dragonfly "
                    + "releases); upgrade the source or report it. The loop was stopped instead of running forever");
        }
        return returned;
    }
}
