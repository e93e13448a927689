package io.df2redis.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CliArgsTest {

    @Test
    void parsesEveryOption() {
        CliArgs args = CliArgs.parse("migrate", "--config", "m.yaml", "--dry-run", "--show", "9090", "--json");
        assertEquals("migrate", args.command());
        assertEquals(Optional.of(Path.of("m.yaml")), args.config());
        assertTrue(args.dryRun());
        assertEquals(Optional.of(9090), args.showPort());
        assertTrue(args.json());
        assertArrayEquals(new String[] {"migrate", "--config", "m.yaml", "--dry-run", "--show", "9090", "--json"}, args.toArgs());
    }

    @Test
    void noArgumentsMeansServe() {
        assertEquals("serve", CliArgs.parse().command());
    }

    @Test
    void badInputSaysWhatIsWrong() {
        assertTrue(assertThrows(CliArgs.UsageException.class, () -> CliArgs.parse("copy")).getMessage()
                .contains("unknown command 'copy'"));
        assertTrue(assertThrows(CliArgs.UsageException.class, () -> CliArgs.parse("migrate", "--config")).getMessage()
                .contains("--config needs a value"));
        assertTrue(assertThrows(CliArgs.UsageException.class, () -> CliArgs.parse("migrate", "--show", "70000")).getMessage()
                .contains("port from 1 to 65535"));
        assertTrue(assertThrows(CliArgs.UsageException.class, () -> CliArgs.parse("status", "--dry-run")).getMessage()
                .contains("--dry-run goes with migrate"));
        assertTrue(assertThrows(CliArgs.UsageException.class, () -> CliArgs.parse("migrate", "--verbose")).getMessage()
                .contains("unknown option '--verbose'"));
    }

    @Test
    void aMisspeltEnvironmentVariableIsNamedInAWarning(@org.junit.jupiter.api.io.TempDir Path home) throws Exception {
        Path file = home.resolve("migrate.yaml");
        java.nio.file.Files.writeString(file, "source: {addr: \"127.0.0.1:1\"}\ntarget: {seed: \"127.0.0.1:2\"}\nstateDir: state\n");
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int exit = Df2redisMain.run(new java.io.PrintStream(out, true), new java.io.PrintStream(err, true),
                java.util.Map.of("DF2REDIS_SOURCE_PASWORD", "secret"), "status", "--config", file.toString());
        assertEquals(0, exit);
        assertTrue(err.toString().contains("the environment variable DF2REDIS_SOURCE_PASWORD names no setting and is ignored"),
                err.toString());
        assertTrue(!err.toString().contains("secret"), "the value is never printed");
    }
}
