package io.df2redis.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/**
 * {@link RespClient}'s encoder and parser for tests that drive a socket themselves (to control how
 * commands fall into writes): a command as a RESP array, and one reply as String, Long, List, null
 * or a {@link RespClient.RedisError}.
 */
public final class RespWire {

    private RespWire() {
    }

    /** Encodes one command as a RESP array of bulk strings (buffered: the caller decides when to flush). */
    public static void write(OutputStream out, List<String> command) throws IOException {
        RespClient.write(out, command);
    }

    /** Reads one reply. */
    public static Object read(InputStream in) throws IOException {
        return RespClient.read(in);
    }
}
