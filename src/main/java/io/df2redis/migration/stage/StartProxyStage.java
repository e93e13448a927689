package io.df2redis.migration.stage;

import io.df2redis.config.MigrationConfig;
import io.df2redis.migration.engine.Stage;
import io.df2redis.migration.engine.StageContext;
import io.df2redis.migration.engine.StageResult;
import io.df2redis.proxy.ProxySupervisor;
import io.df2redis.proxy.RouteKind;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Phase 3 of the migration model: starts the Camellia proxy under supervision in dual-write
 * (reads and primary writes on the source, writes mirrored to the target, every write journaled).
 * From here on applications must talk to the proxy. A resumed stage keeps the route file it finds,
 * so a restart never undoes a later route.
 */
@ApplicationScoped
public class StartProxyStage implements Stage {

    private final ProxySupervisor supervisor;
    private final MigrationConfig config;
    private final io.df2redis.migration.scripts.ScriptCopy scripts;

    public StartProxyStage(ProxySupervisor supervisor, MigrationConfig config, io.df2redis.migration.scripts.ScriptCopy scripts) {
        this.scripts = scripts;
        this.supervisor = supervisor;
        this.config = config;
    }

    @Override
    public String name() {
        return "start-proxy";
    }

    @Override
    public String description() {
        return "start and supervise the Camellia proxy in dual-write";
    }

    @Override
    public Uni<StageResult> run(StageContext context) {
        if (config.source().tls() || config.target().tls()) {
            return Uni.createFrom().item(StageResult.failed("the Camellia 1.1.1 proxy cannot reach its backends over TLS: "
                    + "set source.tls and target.tls to false (e.g. through a TLS tunnel on loopback)"));
        }
        return supervisor.start(RouteKind.DUAL_WRITE, context.resumed())
                .invoke(info -> context.finding("proxy", info))
                .call(() -> scripts.copyFromSource(context))
                .map(info -> StageResult.succeeded("proxy ready on " + config.proxy().endpoint() + " (pid " + info.get("pid")
                        + "): writes go to the source and are mirrored to the target, every write is journaled; "
                        + "point applications at " + config.proxy().endpoint()));
    }
}
