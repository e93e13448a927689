package io.df2redis.migration;

import io.df2redis.config.Secrets;
import io.df2redis.migration.engine.DetachedStageContext;
import io.df2redis.migration.engine.StageResult;
import io.df2redis.migration.stage.PrecheckStage;
import io.df2redis.state.StageStatus;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;

/**
 * {@code --dry-run}, {@code prepare} and {@code POST /migration {"dryRun": true}}: the file is
 * already valid when this runs; it checks connectivity and the precheck's conditions, read-only,
 * and writes nothing (no status file, no keys).
 */
@ApplicationScoped
public class DryRun {

    private final PrecheckStage precheck;

    public DryRun(PrecheckStage precheck) {
        this.precheck = precheck;
    }

    /** What a dry run found. */
    @RegisterForReflection
    public record Report(boolean ok, String message, Map<String, Object> findings, List<String> warnings) {
    }

    public Uni<Report> check() {
        DetachedStageContext context = DetachedStageContext.readOnly(precheck.name());
        return precheck.run(context)
                .onFailure().recoverWithItem(e -> StageResult.failed(e.getMessage()))
                .map(result -> new Report(result.status() == StageStatus.SUCCEEDED, Secrets.mask(result.message()),
                        context.findings(), context.warnings()));
    }
}
