package io.df2redis.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command: the demo runs the stages this version has and stops what it started. */
class DemoIT {

    @TempDir
    Path home;

    @Test
    void theDemoRunsPrecheckAndBaselineAgainstLocalServers() throws Exception {
        Df2redisProcess.Run run = Df2redisProcess.run(home, Map.of(), "demo");
        assertEquals(0, run.exit(), run.all());
        assertTrue(run.stdout().contains("[precheck] stage.succeeded: source redis"), run.stdout());
        assertTrue(run.stdout().contains("[baseline] stage.succeeded"), run.stdout());
        assertTrue(run.stdout().contains("source holds 1520 keys"), run.stdout());
        assertTrue(run.stdout().contains("demo: migrate exited 0"), run.stdout());
        long leftovers = ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains(run.stdout().lines()
                        .filter(l -> l.startsWith("demo: working directory ")).findFirst().orElseThrow()
                        .substring("demo: working directory ".length())))
                .count();
        assertEquals(0, leftovers, "the demo stops the redis-server processes it started");
    }
}
