package io.df2redis.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The command line: {@code df2redis <command> [--config FILE] [--dry-run] [--show PORT] [--json]}.
 * Parsed before anything boots, so that bad input exits 2 at once.
 */
public record CliArgs(String command, Optional<Path> config, boolean dryRun, Optional<Integer> showPort, boolean json) {

    public static final List<String> COMMANDS = List.of("prepare", "migrate", "status", "rollback", "advance", "proxy", "serve", "demo", "help");

    public static final String USAGE = """
            usage: df2redis <command> [--config FILE] [--dry-run] [--show PORT] [--json]

            commands:
              migrate    run the migration plan in this process; one line per event; exit 0 done, 1 failed/blocked, 2 bad input
              prepare    check the file and both sides (read-only), print the findings
              status     print the status file (also while another process runs it)
              rollback   return reads and writes to the side that was primary before the last flip (asks the
                         process running this state directory, serve or migrate --show, and follows it to
                         the end, else runs the rollback plan here); exit 0 done, 1 failed, 2 nothing to roll back
              advance    let a waiting cutover step go on (the next read batch with cutover.auto: false, or the
                         end of cleanup.observeFor), through the running service's REST API
              proxy stop retire the proxy applications talk to (it outlives migrate; stop it once applications
                         use the new primary directly), through the running service when one answers
              serve      run as a service driven by REST (/api/v1) and watched over SSE (/api/v1/events)
              demo       migrate between two local redis-server processes it starts (needs redis-server on PATH)
              help       print this text

            options:
              --config FILE   the migration file (default: $DF2REDIS_CONFIG)
              --dry-run       with migrate: validate the file and connectivity, change nothing
              --show PORT     with migrate or demo: serve the REST/SSE API on this port while it runs
              --json          machine-readable output (status: the file; migrate: one JSON event per line)
            """;

    /** The arguments again, for the application that runs inside the booted service. */
    public String[] toArgs() {
        java.util.List<String> args = new java.util.ArrayList<>();
        args.add(command);
        config.ifPresent(c -> {
            args.add("--config");
            args.add(c.toString());
        });
        if (dryRun) {
            args.add("--dry-run");
        }
        showPort.ifPresent(p -> {
            args.add("--show");
            args.add(String.valueOf(p));
        });
        if (json) {
            args.add("--json");
        }
        return args.toArray(String[]::new);
    }

    /** Parses the arguments; a {@link UsageException} says what is wrong. */
    public static CliArgs parse(String... args) {
        if (args.length == 0) {
            return new CliArgs("serve", Optional.empty(), false, Optional.empty(), false);
        }
        String command = args[0];
        if (command.equals("--help") || command.equals("-h")) {
            command = "help";
        }
        if (!COMMANDS.contains(command)) {
            throw new UsageException("unknown command '" + command + "': use one of " + String.join(", ", COMMANDS));
        }
        int first = 1;
        if (command.equals("proxy")) {
            if (args.length < 2 || !args[1].equals("stop")) {
                throw new UsageException("'proxy' takes one action: 'df2redis proxy stop' retires the proxy applications talk to");
            }
            command = "proxy-stop";
            first = 2;
        }
        Optional<Path> config = Optional.empty();
        boolean dryRun = false;
        Optional<Integer> show = Optional.empty();
        boolean json = false;
        for (int i = first; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--config", "-c" -> config = Optional.of(Path.of(value(args, ++i, arg)));
                case "--dry-run" -> dryRun = true;
                case "--json" -> json = true;
                case "--show" -> show = Optional.of(port(value(args, ++i, arg)));
                case "--help", "-h" -> command = "help";
                default -> {
                    if (arg.startsWith("--config=")) {
                        config = Optional.of(Path.of(arg.substring("--config=".length())));
                    } else if (arg.startsWith("--show=")) {
                        show = Optional.of(port(arg.substring("--show=".length())));
                    } else {
                        throw new UsageException("unknown option '" + arg + "'");
                    }
                }
            }
        }
        if (dryRun && !command.equals("migrate")) {
            throw new UsageException("--dry-run goes with migrate");
        }
        if (show.isPresent() && !command.equals("migrate") && !command.equals("demo")) {
            throw new UsageException("--show goes with migrate or demo (serve always serves)");
        }
        return new CliArgs(command, config, dryRun, show, json);
    }

    private static String value(String[] args, int index, String option) {
        if (index >= args.length || args[index].startsWith("--")) {
            throw new UsageException(option + " needs a value");
        }
        return args[index];
    }

    private static int port(String text) {
        try {
            int port = Integer.parseInt(text);
            if (port < 1 || port > 65535) {
                throw new NumberFormatException();
            }
            return port;
        } catch (NumberFormatException e) {
            throw new UsageException("--show takes a port from 1 to 65535, not '" + text + "'");
        }
    }

    /** Bad command line: exit 2 with the usage. */
    public static class UsageException extends RuntimeException {
        public UsageException(String message) {
            super(message);
        }
    }
}
