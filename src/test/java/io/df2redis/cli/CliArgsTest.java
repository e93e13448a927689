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
}
