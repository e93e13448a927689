package io.df2redis.migration;

import io.df2redis.config.Secrets;
import io.df2redis.migration.engine.StageContext;
import io.df2redis.migration.engine.StageResult;
import io.df2redis.migration.stage.PrecheckStage;
import io.df2redis.state.StageStatus;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
        Detached context = new Detached();
        return precheck.run(context)
                .onFailure().recoverWithItem(e -> StageResult.failed(e.getMessage()))
                .map(result -> new Report(result.status() == StageStatus.SUCCEEDED, Secrets.mask(result.message()),
                        context.findings, context.warnings));
    }

    /** A context that keeps everything in memory. */
    private static final class Detached implements StageContext {
        final Map<String, Object> findings = new LinkedHashMap<>();
        final List<String> warnings = new ArrayList<>();

        @Override
        public String stage() {
            return "precheck";
        }

        @Override
        public Map<String, Object> checkpoint() {
            return Map.of();
        }

        @Override
        public Uni<Void> saveCheckpoint(Map<String, Object> checkpoint) {
            return Uni.createFrom().voidItem();
        }

        @Override
        public void progress(long done, Long total, String unit) {
        }

        @Override
        public synchronized void finding(String name, Object value) {
            findings.put(name, value);
        }

        @Override
        public void metric(String name, double value) {
        }

        @Override
        public void info(String message) {
        }

        @Override
        public synchronized void warn(String message) {
            warnings.add(Secrets.mask(message));
        }

        @Override
        public boolean cancelled() {
            return false;
        }

        @Override
        public int attempt() {
            return 1;
        }

        @Override
        public boolean resumed() {
            return false;
        }
    }
}
