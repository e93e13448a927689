package io.df2redis.local;

import io.df2redis.contract.resp.RespConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * {@link RespConnection}'s encoder and parser for tests that drive a socket themselves (to control how
 * commands fall into writes): a command as a RESP array, and one reply as String, Long, List, null
 * or a {@link RespConnection.Error}.
 */
public final class RespWire {

    private RespWire() {
    }

    /** Encodes one command as a RESP array of bulk strings (buffered: the caller decides when to flush). */
    public static void write(OutputStream out, List<String> command) throws IOException {
        RespConnection.encode(out, command.stream().map(arg -> arg.getBytes(StandardCharsets.UTF_8)).toList());
    }

    /** Reads one reply. */
    public static Object read(InputStream in) throws IOException {
        return RespConnection.decode(in);
    }
}
