package io.df2redis.migration.engine;

import io.df2redis.config.Secrets;
import io.smallrye.mutiny.Uni;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A stage context outside any plan: keeps findings and warnings in memory, saves no checkpoint
 * and writes no status. For dry runs and for running one stage on its own.
 */
public final class DetachedStageContext implements StageContext {

    private final String stage;
    private final Map<String, Object> findings = new LinkedHashMap<>();
    private final List<String> warnings = new ArrayList<>();

    private final boolean readOnly;

    public DetachedStageContext(String stage) {
        this(stage, false);
    }

    private DetachedStageContext(String stage, boolean readOnly) {
        this.stage = stage;
        this.readOnly = readOnly;
    }

    /** A context for a dry run: the stage must change nothing. */
    public static DetachedStageContext readOnly(String stage) {
        return new DetachedStageContext(stage, true);
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    public synchronized Map<String, Object> findings() {
        return new LinkedHashMap<>(findings);
    }

    public synchronized List<String> warnings() {
        return List.copyOf(warnings);
    }

    @Override
    public String stage() {
        return stage;
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
