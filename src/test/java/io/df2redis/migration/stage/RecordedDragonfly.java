package io.df2redis.migration.stage;

import io.df2redis.testing.ScriptedServer;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Replays a recorded Dragonfly exchange for a snapshot: {@code INFO server} says
 * {@code dragonfly_version}, {@code BGSAVE RDB <name>} answers OK at once, and {@code INFO persistence}
 * reports {@code saving:1} with {@code current_snapshot_perc} until the save ends with
 * {@code last_saved_file}. {@code CONFIG GET default_lua_flags} answers {@link #luaFlags}. Records every
 * command it received.
 */
final class RecordedDragonfly extends ScriptedServer {

    final List<List<String>> received = Collections.synchronizedList(new ArrayList<>());
    private final String savedFile;
    private int persistencePolls;
    /** The value {@code CONFIG GET default_lua_flags} answers; null: a release without that setting (an empty answer). */
    volatile String luaFlags;

    RecordedDragonfly(String savedFile) throws IOException {
        super("recorded-dragonfly");
        this.savedFile = savedFile;
        start();
    }

    @Override
    protected void serve(Socket socket) {
        try (socket; InputStream in = new BufferedInputStream(socket.getInputStream()); OutputStream out = socket.getOutputStream()) {
            while (true) {
                List<String> command = readCommand(in);
                if (command == null) {
                    return;
                }
                received.add(command);
                out.write(reply(command).getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException e) {
            // client went away
        }
    }

    private synchronized String reply(List<String> command) {
        String name = command.get(0).toUpperCase();
        if (name.equals("HELLO")) {
            return "-ERR unknown command 'HELLO'\r\n";
        }
        if (name.equals("PING")) {
            return "+PONG\r\n";
        }
        if (name.equals("CONFIG") && command.size() == 3 && command.get(1).equalsIgnoreCase("GET")) {
            String value = command.get(2).equals("default_lua_flags") ? luaFlags : null;
            return value == null ? "*0\r\n" : "*2\r\n" + bulk(command.get(2)) + bulk(value);
        }
        if (name.equals("BGSAVE")) {
            return "+OK\r\n";
        }
        if (name.equals("INFO") && command.size() > 1 && command.get(1).equalsIgnoreCase("server")) {
            return bulk("# Server\r\nredis_version:7.4.0\r\ndragonfly_version:df-v1.21.2\r\nredis_mode:standalone\r\n");
        }
        if (name.equals("INFO")) {
            boolean saved = received.stream().anyMatch(c -> c.get(0).equalsIgnoreCase("BGSAVE"));
            if (!saved) {
                return bulk("# Persistence\r\nsaving:0\r\ncurrent_snapshot_perc:0\r\nlast_success_save:0\r\n");
            }
            persistencePolls++;
            if (persistencePolls < 3) {
                return bulk("# Persistence\r\nsaving:1\r\nrdb_bgsave_in_progress:1\r\ncurrent_snapshot_perc:" + (persistencePolls * 40)
                        + "\r\ncurrent_save_keys_processed:" + persistencePolls * 400 + "\r\ncurrent_save_keys_total:1000\r\n");
            }
            return bulk("# Persistence\r\nsaving:0\r\nrdb_bgsave_in_progress:0\r\ncurrent_snapshot_perc:0\r\nlast_success_save:1800000000\r\n"
                    + "last_saved_file:" + savedFile + "\r\nrdb_last_bgsave_status:ok\r\n");
        }
        return "-ERR unexpected command in the recording: " + name + "\r\n";
    }

    private static String bulk(String text) {
        return "$" + text.getBytes(StandardCharsets.UTF_8).length + "\r\n" + text + "\r\n";
    }

    private static List<String> readCommand(InputStream in) throws IOException {
        String header = line(in);
        if (header == null) {
            return null;
        }
        int count = Integer.parseInt(header.substring(1));
        List<String> args = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int length = Integer.parseInt(line(in).substring(1));
            args.add(new String(in.readNBytes(length), StandardCharsets.UTF_8));
            in.readNBytes(2);
        }
        return args;
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != '\r') {
            if (c < 0) {
                return null;
            }
            line.append((char) c);
        }
        in.read();
        return line.toString();
    }
}
