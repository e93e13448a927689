package io.df2redis.contract.resp;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A Redis endpoint for one-shot blocking commands, one connection per call (the demo's data loading, tests that
 * act as an application), or for a kept {@link RespConnection}. Replies as {@link RespConnection#command} gives them.
 */
public final class RespClient {

    private static final int READ_TIMEOUT_MILLIS = 30_000;

    private final String host;
    private final int port;
    private final Optional<String> password;

    public RespClient(String host, int port, Optional<String> password) {
        this.host = host;
        this.port = port;
        this.password = password;
    }

    /** Runs one command on a connection of its own and returns its reply. */
    public Object command(String... args) throws IOException {
        return pipeline(List.of(List.of(args))).get(0);
    }

    /**
     * Sends all commands in one write, after {@code AUTH} when a password is set (its reply is not looked at: a
     * refused AUTH shows in the commands' replies), and reads all replies in order.
     */
    public List<Object> pipeline(List<List<String>> commands) throws IOException {
        try (RespConnection connection = new RespConnection(host, port, null, null, READ_TIMEOUT_MILLIS)) {
            int auth = 0;
            if (password.isPresent()) {
                connection.write(RespConnection.arguments(new Object[] {"AUTH", password.get()}));
                auth = 1;
            }
            for (List<String> command : commands) {
                connection.write(RespConnection.arguments(command.toArray()));
            }
            connection.flush();
            List<Object> replies = new ArrayList<>(commands.size());
            for (int i = 0; i < commands.size() + auth; i++) {
                Object reply = RespConnection.value(connection.readFrame(), true);
                if (i >= auth) {
                    replies.add(reply);
                }
            }
            return replies;
        }
    }

    /** A kept connection, authenticated when a password is set (a refused AUTH fails here). */
    public RespConnection connect() throws IOException {
        return new RespConnection(host, port, null, password.orElse(null), READ_TIMEOUT_MILLIS);
    }

    /** A kept connection to a loopback port, without AUTH; failures unchecked (for tests). */
    public static RespConnection connect(int port) {
        try {
            return new RespConnection("127.0.0.1", port, null, null, READ_TIMEOUT_MILLIS);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
