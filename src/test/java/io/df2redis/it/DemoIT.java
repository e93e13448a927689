package io.df2redis.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command: the demo runs the whole live plan, writes through the proxy meanwhile, and stops what it started. */
@ExtendWith(ServiceLogOnFailure.class)
class DemoIT {

    @TempDir
    Path home;

    @Test
    void theDemoRunsTheLiveStagesWithAWriterThroughTheProxy() throws Exception {
        Df2redisProcess.Run run = Df2redisProcess.run(home, Map.of(), "demo");
        assertEquals(0, run.exit(), run.all());
        assertTrue(run.stdout().contains("[precheck] stage.succeeded: source redis"), run.stdout());
        assertTrue(run.stdout().contains("[baseline] stage.succeeded"), run.stdout());
        java.util.regex.Matcher holds = java.util.regex.Pattern.compile("source holds (\\d+) keys").matcher(run.stdout());
        assertTrue(holds.find() && Long.parseLong(holds.group(1)) >= 1520, "the inventory counts the dataset: " + run.stdout());
        assertTrue(run.stdout().contains("[start-proxy] stage.succeeded"), run.stdout());
        assertTrue(run.stdout().contains("writes acknowledged through the proxy during the migration; the source holds every one of them; so does the target"),
                run.stdout());
        assertTrue(run.stdout().contains("[sync] stage.succeeded: caught up"), run.stdout());
        assertTrue(run.stdout().contains("[verify] stage.succeeded: full pass"), run.stdout());
        assertTrue(run.stdout().contains("[cutover] stage.succeeded: 3 read batches held"), run.stdout());
        assertTrue(run.stdout().contains("[fence] stage.succeeded: target is primary"), run.stdout());
        assertTrue(run.stdout().contains("[cleanup] stage.succeeded"), run.stdout());
        assertTrue(run.stdout().contains("pipeline.succeeded"), run.stdout());
        assertTrue(run.stdout().contains("[import] stage.succeeded"), run.stdout());
        assertTrue(run.stdout().contains("proxy.stopped"), "the demo leaves no proxy behind");
        assertTrue(run.stdout().contains("demo: migrate exited 0"), run.stdout());
        long leftovers = ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains(run.stdout().lines()
                        .filter(l -> l.startsWith("demo: working directory ")).findFirst().orElseThrow()
                        .substring("demo: working directory ".length())))
                .count();
        assertEquals(0, leftovers, "the demo stops the redis-server processes it started");
    }
}
