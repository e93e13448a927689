package io.df2redis.cli;

import io.df2redis.config.FileProblems;
import io.df2redis.config.InvalidConfigException;
import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationConfigLoader;
import io.df2redis.config.MigrationFile;
import io.df2redis.config.MigrationPaths;
import io.df2redis.config.Secrets;
import io.df2redis.migration.rollback.RollbackCheck;
import io.df2redis.state.MigrationStatus;
import io.df2redis.state.StatusFileException;
import io.df2redis.state.StateDirLock;
import io.df2redis.state.StatusStore;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Entry point of the jar. Parses the command line and validates the migration file before the
 * service boots (bad input exits 2 with every problem listed), answers {@code status} and
 * {@code help} without booting at all, and boots Quarkus for the rest with HTTP only where it is wanted.
 */
@QuarkusMain
public class Df2redisMain {

    public static void main(String... args) {
        System.exit(run(System.out, System.err, System.getenv(), args));
    }

    static int run(PrintStream out, PrintStream err, Map<String, String> env, String... args) {
        CliArgs cli;
        try {
            cli = CliArgs.parse(args);
        } catch (CliArgs.UsageException e) {
            err.println("df2redis: " + e.getMessage());
            err.print(CliArgs.USAGE);
            return ExitCodes.BAD_INPUT;
        }
        switch (cli.command()) {
            case "help" -> {
                out.print(CliArgs.USAGE);
                return ExitCodes.DONE;
            }
            case "demo" -> {
                return Demo.run(cli, out, err);
            }
            default -> {
                return withConfig(cli, out, err, env);
            }
        }
    }

    private static int withConfig(CliArgs cli, PrintStream out, PrintStream err, Map<String, String> env) {
        Optional<Path> file = cli.config().map(Path::toAbsolutePath);
        if (file.isEmpty()) {
            file = Optional.ofNullable(env.get(MigrationFile.FILE_ENV)).filter(v -> !v.isBlank()).map(Path::of).map(Path::toAbsolutePath);
        }
        if (file.isEmpty()) {
            err.println("df2redis: no migration file: pass --config FILE or set DF2REDIS_CONFIG "
                    + "(see examples/migrate.sample.yaml)");
            return ExitCodes.BAD_INPUT;
        }
        System.setProperty(MigrationFile.FILE_PROPERTY, file.get().toString());
        MigrationConfig config;
        try {
            config = MigrationConfigLoader.load(file.get(), env);
        } catch (InvalidConfigException e) {
            err.println("df2redis: " + e.getMessage());
            return ExitCodes.BAD_INPUT;
        }
        Secrets.register(config);
        MigrationConfigLoader.unknownVariables(env).forEach(name -> err.println("df2redis: warning: the environment variable "
                + name + " names no setting and is ignored: check its spelling against examples/migrate.sample.yaml "
                + "(DF2REDIS_ + the key path in upper case, dots as _)"));
        MigrationPaths paths = MigrationPaths.of(config);
        Optional<Path> blocker = FileProblems.blockedBy(paths.stateDir());
        if (blocker.isPresent()) {
            err.println(stateDirProblem(paths, blocker.get() + " exists and is not a directory"));
            return ExitCodes.BAD_INPUT;
        }
        Optional<MigrationStatus> status;
        try {
            status = StatusStore.read(paths.statusFile());
        } catch (StatusFileException e) {
            err.println("df2redis: " + Secrets.mask(e.getMessage()));
            return ExitCodes.BAD_INPUT;
        }
        if (cli.command().equals("status")) {
            return printStatus(cli, out, paths, status);
        }
        if (cli.command().equals("advance")) {
            return new RemoteControl(config).post("/api/v1/migration/cutover/advance", "advance", out, err);
        }
        if (cli.command().equals("proxy-stop")) {
            return stopProxy(config, paths, out, err);
        }
        if (cli.command().equals("rollback")) {
            Optional<RemoteControl> remote = RemoteControl.find(config, paths);
            if (remote.isPresent()) {
                return remote.get().rollback(paths, cli.json(), out, err);
            }
            Optional<String> nothing = RollbackCheck.nothingToRollBack(status, paths.statusFile().toString());
            if (nothing.isPresent()) {
                err.println("df2redis rollback: " + nothing.get());
                return ExitCodes.BAD_INPUT;
            }
        }
        if (needsTheStateDir(cli) && !lockStateDir(paths, apiOf(cli, config), err)) {
            return ExitCodes.BAD_INPUT;
        }
        return boot(cli, config, err);
    }

    /** The commands that run a plan or serve own the state directory for as long as they run. */
    private static boolean needsTheStateDir(CliArgs cli) {
        return cli.command().equals("serve") || cli.command().equals("rollback") || cli.command().equals("migrate") && !cli.dryRun();
    }

    /** The REST address this process will serve, recorded with the lock so that rollback finds a migrate --show. */
    private static Optional<String> apiOf(CliArgs cli, MigrationConfig config) {
        if (cli.command().equals("serve")) {
            return Optional.of(RemoteControl.baseOf(config.dashboard().addr()));
        }
        return cli.showPort().map(port -> RemoteControl.baseOf(splitHostPort(config.dashboard().addr())[0] + ":" + port));
    }

    private static boolean lockStateDir(MigrationPaths paths, PrintStream err) {
        return lockStateDir(paths, Optional.empty(), err);
    }

    private static boolean lockStateDir(MigrationPaths paths, Optional<String> api, PrintStream err) {
        try {
            StateDirLock.acquire(paths.stateDir(), api);
            return true;
        } catch (StateDirLock.StateDirInUseException e) {
            err.println("df2redis: " + e.getMessage());
            return false;
        } catch (java.io.IOException e) {
            err.println(stateDirProblem(paths, FileProblems.describe(e)));
            return false;
        }
    }

    private static String stateDirProblem(MigrationPaths paths, String why) {
        return "df2redis: cannot create and lock the state directory " + paths.stateDir() + " (" + why
                + "): set stateDir to a directory this user can create and write";
    }

    /** Through the running service when one answers (it supervises the proxy), else by the proxy's pid file. */
    private static int stopProxy(MigrationConfig config, MigrationPaths paths, PrintStream out, PrintStream err) {
        RemoteControl remote = new RemoteControl(config);
        if (remote.serviceRunning()) {
            return remote.post("/api/v1/proxy/stop", "proxy stop", out, err);
        }
        if (!lockStateDir(paths, err)) {
            return ExitCodes.BAD_INPUT;
        }
        Path proxyDir = paths.stateDir().resolve("proxy");
        try {
            Optional<ProcessHandle> proxy = io.df2redis.proxy.ProxyProcess.find(proxyDir);
            if (proxy.isEmpty()) {
                out.println("no proxy runs for " + proxyDir);
                return ExitCodes.DONE;
            }
            io.df2redis.proxy.ProxyProcess.terminate(proxy.get(), config.proxy().stopGrace());
            io.df2redis.proxy.ProxyProcess.forget(proxyDir);
            out.println("proxy (pid " + proxy.get().pid() + ") stopped; applications must now use the new primary directly");
            return ExitCodes.DONE;
        } catch (java.io.IOException e) {
            err.println("df2redis: cannot read the proxy's pid file in " + proxyDir + ": " + e.getMessage());
            return ExitCodes.FAILED;
        }
    }

    private static int printStatus(CliArgs cli, PrintStream out, MigrationPaths paths, Optional<MigrationStatus> status) {
        if (status.isEmpty()) {
            out.println(cli.json() ? "{\"schema\":" + MigrationStatus.CURRENT_SCHEMA + ",\"status\":\"idle\",\"stages\":[]}"
                    : "no migration has run yet (no status file at " + paths.statusFile() + ")");
            return ExitCodes.DONE;
        }
        out.print(cli.json() ? StatusPrinter.json(status.get()) + "\n" : StatusPrinter.human(status.get()));
        return ExitCodes.DONE;
    }

    static int boot(CliArgs cli, MigrationConfig config, PrintStream err) {
        configureHttp(cli, config);
        int[] exit = {ExitCodes.DONE};
        Quarkus.run(CommandApp.class, (code, failure) -> {
            exit[0] = code;
            if (failure != null) {
                err.println("df2redis: could not start: " + Secrets.mask(startFailure(cli, config, failure)));
                exit[0] = code == 0 ? ExitCodes.FAILED : code;
            }
        }, cli.toArgs());
        return exit[0];
    }

    /** Why the service did not start, in words: Quarkus wraps a taken port as "Failed to start quarkus". */
    static String startFailure(CliArgs cli, MigrationConfig config, Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof java.net.BindException || t.getClass().getSimpleName().equals("QuarkusBindException")) {
                String address = System.getProperty("quarkus.http.host", "127.0.0.1") + ":" + System.getProperty("quarkus.http.port", "8080");
                String setting = cli.showPort().isPresent() && !cli.command().equals("serve") ? "--show PORT" : "dashboard.addr";
                return "the HTTP address " + address + " is already in use by another process: stop that process, or choose a free "
                        + "port with " + setting;
            }
        }
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = String.valueOf(failure.getMessage());
        return root == failure || root.getMessage() == null ? message : message + " (" + root.getMessage() + ")";
    }

    private static void configureHttp(CliArgs cli, MigrationConfig config) {
        String[] hostPort = splitHostPort(config.dashboard().addr());
        if (cli.command().equals("serve")) {
            System.setProperty("quarkus.http.host", hostPort[0]);
            System.setProperty("quarkus.http.port", hostPort[1]);
        } else if (cli.showPort().isPresent()) {
            System.setProperty("quarkus.http.host", hostPort[0]);
            System.setProperty("quarkus.http.port", String.valueOf(cli.showPort().get()));
        } else {
            System.setProperty("quarkus.http.host-enabled", "false");
        }
    }

    static String[] splitHostPort(String address) {
        int colon = address.lastIndexOf(':');
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new String[] {host, address.substring(colon + 1)};
    }
}
