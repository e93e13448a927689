package io.df2redis.cli;

import io.df2redis.migration.DryRun;
import io.df2redis.migration.MigrationRuntime;
import io.df2redis.migration.engine.PipelineEngine;
import io.df2redis.migration.engine.PipelineOutcome;
import io.df2redis.migration.rollback.RollbackService;
import io.df2redis.state.EventHub;
import io.df2redis.config.MigrationConfig;
import io.df2redis.proxy.ProxySupervisor;
import io.df2redis.proxy.RouteKind;
import io.df2redis.state.StageStatus;
import io.df2redis.state.StatusStore;
import io.quarkus.logging.Log;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import jakarta.inject.Inject;
import java.io.PrintStream;
import java.time.Duration;

/**
 * The commands that need the service: {@code migrate}, {@code prepare}, {@code rollback} run a plan
 * in this process and print one line per event on stdout (logs go to stderr); {@code serve} waits
 * for REST calls until the process is stopped.
 */
public class CommandApp implements QuarkusApplication {

    @Inject
    PipelineEngine engine;
    @Inject
    EventHub events;
    @Inject
    DryRun dryRun;
    @Inject
    MigrationConfig config;
    @Inject
    StatusStore store;
    @Inject
    ProxySupervisor supervisor;
    @Inject
    RollbackService rollback;

    private final PrintStream out = System.out;

    @Override
    public int run(String... args) {
        CliArgs cli = CliArgs.parse(args);
        return switch (cli.command()) {
            case "serve" -> serve();
            case "prepare" -> check(cli);
            case "migrate" -> cli.dryRun() ? check(cli) : runPlan(MigrationRuntime.MIGRATE, cli);
            case "rollback" -> runPlan(MigrationRuntime.ROLLBACK, cli);
            default -> throw new IllegalStateException("not a service command: " + cli.command());
        };
    }

    private int serve() {
        restoreProxy();
        if (engine.interrupted() && config.migrate().resume()) {
            String plan = engine.lastPlan();
            Log.infof("continuing the interrupted %s plan from its checkpoint (migrate.resume is true)", plan);
            engine.start(plan);
        }
        Quarkus.waitForExit();
        return ExitCodes.DONE;
    }

    /** A read-only check: prints the findings; exit 0 when the migration could start. */
    private int check(CliArgs cli) {
        DryRun.Report report = dryRun.check()
                .await().atMost(config.engine().remoteTimeout().multipliedBy(8).plus(Duration.ofSeconds(5)));
        if (cli.json()) {
            out.println(StatusPrinter.json(report));
        } else {
            out.println((report.ok() ? "ready: " : "not ready: ") + report.message());
            report.warnings().forEach(w -> out.println("warning: " + w));
            out.println(StatusPrinter.json(report.findings()));
            out.println("(dry run: nothing was changed)");
        }
        return report.ok() ? ExitCodes.DONE : ExitCodes.FAILED;
    }

    /**
     * Once start-proxy has succeeded, applications depend on the proxy: a restarted service brings
     * it back (adopting a healthy one left running) on the route file it finds.
     */
    private void restoreProxy() {
        boolean wanted = store.read(s -> s.stage("start-proxy").map(st -> st.status == StageStatus.SUCCEEDED).orElse(false));
        if (wanted) {
            Log.info("start-proxy succeeded in an earlier run: bringing the proxy back on its last route");
            supervisor.start(RouteKind.DUAL_WRITE, true)
                    .await().atMost(config.proxy().readyTimeout().plusSeconds(10));
        }
    }

    /**
     * Runs the plan and stays until the last plan of this process has ended: a rollback sent here
     * (REST or the dashboard) replaces a running migration, and the process waits for the rollback's
     * outcome, which is then its exit code. An unfinished rollback on this state directory runs first.
     */
    private int runPlan(String requested, CliArgs cli) {
        String plan = rollback.planToRun(requested);
        restoreProxy();
        if (engine.interrupted() && !cli.json()) {
            out.println("pipeline.interrupted: " + store.read(s -> s.message));
        }
        if (!plan.equals(requested) && !cli.json()) {
            out.println("rollback.unfinished: the rollback started earlier on this state directory did not end; "
                    + "it continues now, not the " + requested + " plan");
        }
        events.listen(event -> out.println(StatusPrinter.line(event, cli.json())));
        engine.start(plan);
        PipelineOutcome outcome = engine.settled().join();
        String ran = store.read(s -> s.plan);
        if (!cli.json()) {
            out.println((ran.equals(requested) ? "" : ran + " ") + outcome.status().json() + ": " + outcome.message());
        }
        return outcome.exitCode();
    }
}
