package io.df2redis.cli;

import io.df2redis.config.InvalidConfigException;
import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationConfigLoader;
import io.df2redis.config.MigrationFile;
import io.df2redis.config.Secrets;
import io.df2redis.local.DemoDataset;
import io.df2redis.local.LocalRedis;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * {@code df2redis demo}: starts two local {@code redis-server} processes (the source playing
 * Dragonfly, and the target), loads a small mixed dataset into the source, runs {@code migrate}
 * with the stages this version has, prints the result and stops what it started.
 */
final class Demo {

    private Demo() {
    }

    static int run(CliArgs cli, PrintStream out, PrintStream err) {
        if (!LocalRedis.available()) {
            err.println("df2redis demo: redis-server is not on PATH: install it (e.g. apt-get install redis-server) and run again");
            return ExitCodes.BAD_INPUT;
        }
        Path home;
        try {
            home = Files.createTempDirectory("df2redis-demo-");
        } catch (IOException e) {
            err.println("df2redis demo: cannot create a working directory: " + e.getMessage());
            return ExitCodes.FAILED;
        }
        out.println("demo: working directory " + home);
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty())) {
            Map<Integer, Integer> keys = DemoDataset.load(source, 100, 42);
            out.println("demo: source redis-server " + source.address() + " loaded with " + keys + " keys per db; target "
                    + target.address());
            int proxyPort = LocalRedis.freePort();
            Path file = writeConfig(home, source, target, proxyPort, LocalRedis.freePort());
            out.println("demo: migration file " + file);
            MigrationConfig config = MigrationConfigLoader.load(file);
            Secrets.register(config);
            System.setProperty(MigrationFile.FILE_PROPERTY, file.toString());
            cli.showPort().ifPresent(port -> out.println("demo: dashboard on http://127.0.0.1:" + port
                    + "/ (it asks for control.token, in " + file + "); REST/SSE under /api/v1"));
            CliArgs migrate = new CliArgs("migrate", Optional.of(file), false, cli.showPort(), cli.json());
            DemoWriter writer = DemoWriter.start(proxyPort, home.resolve("state/status.json"));
            int exit = Df2redisMain.boot(migrate, config, err);
            writer.stop();
            out.println("demo: " + writer.report(source, target));
            out.println("demo: migrate exited " + exit + "; status in " + home.resolve("state/status.json")
                    + " (df2redis status --config " + file + ")");
            return exit;
        } catch (IOException e) {
            err.println("df2redis demo: " + e.getMessage());
            return ExitCodes.FAILED;
        } catch (InvalidConfigException e) {
            err.println("df2redis demo: " + e.getMessage());
            return ExitCodes.BAD_INPUT;
        }
    }

    private static Path writeConfig(Path home, LocalRedis source, LocalRedis target, int proxyPort, int consolePort)
            throws IOException {
        byte[] token = new byte[16];
        new SecureRandom().nextBytes(token);
        String yaml = """
                # Written by df2redis demo.
                source:
                  type: redis          # a redis-server plays the Dragonfly source
                  addr: %s
                target:
                  type: redis-standalone
                  seed: %s
                stateDir: state
                proxy:
                  endpoint: 127.0.0.1:%d   # the demo's writer talks to the proxy here
                  consolePort: %d
                  stopWithService: true    # the demo stops what it started; a real migration leaves the proxy serving
                migrate:
                  mode: live           # the full plan, from precheck to cleanup
                  scanCount: 50
                  throttle:
                    maxOpsPerMaster: 1000   # slows the baseline so the writer has time to write
                  cutover:
                    checkEvery: 500ms
                    batches:           # short read batches, so that the demo shows all of them
                      - {label: canary, percentage: 10, duration: 3s}
                      - {label: half, percentage: 50, duration: 3s}
                      - {label: all, percentage: 100, duration: 3s}
                verify:
                  mode: full
                cleanup:
                  keepMirror: true     # the source keeps getting every write: the demo compares both sides
                control:
                  token: %s
                """.formatted(source.address(), target.address(), proxyPort, consolePort, HexFormat.of().formatHex(token));
        Path file = home.resolve("migrate.yaml");
        Files.writeString(file, yaml);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }
}
