package io.df2redis.importer;

import io.df2redis.migration.engine.StageContext;
import io.smallrye.mutiny.Uni;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** An in-memory stage context: the checkpoint, progress, metrics and events a stage reports. */
public final class TestStageContext implements StageContext {

    private volatile Map<String, Object> checkpoint;
    private final boolean resumed;
    private final int cancelAfterSaves;
    private volatile int failSavesAfter = Integer.MAX_VALUE;
    public volatile int saves;
    public volatile long done;
    public volatile Long total;
    public final Map<String, Double> metrics = new ConcurrentHashMap<>();
    public final List<String> warnings = new CopyOnWriteArrayList<>();
    public final List<String> infos = new CopyOnWriteArrayList<>();

    /** A fresh start. */
    public TestStageContext() {
        this(Map.of(), Integer.MAX_VALUE);
    }

    /**
     * @param checkpoint       what an earlier attempt saved (empty: a fresh start)
     * @param cancelAfterSaves {@link #cancelled()} turns true once this many checkpoints were saved
     */
    public TestStageContext(Map<String, Object> checkpoint, int cancelAfterSaves) {
        this.checkpoint = new LinkedHashMap<>(checkpoint);
        this.resumed = !checkpoint.isEmpty();
        this.cancelAfterSaves = cancelAfterSaves;
    }

    @Override
    public String stage() {
        return "import";
    }

    @Override
    public Map<String, Object> checkpoint() {
        return new LinkedHashMap<>(checkpoint);
    }

    /** Saves after the first {@code saves} fail, as if the service had died there: the checkpoint stays the last saved. */
    public TestStageContext failSavesAfter(int saves) {
        this.failSavesAfter = saves;
        return this;
    }

    @Override
    public Uni<Void> saveCheckpoint(Map<String, Object> checkpoint) {
        if (saves >= failSavesAfter) {
            return Uni.createFrom().failure(new IllegalStateException("the service died before checkpoint " + (saves + 1)));
        }
        this.checkpoint = new LinkedHashMap<>(checkpoint);
        saves++;
        return Uni.createFrom().voidItem();
    }

    @Override
    public void progress(long done, Long total, String unit) {
        this.done = done;
        this.total = total;
    }

    @Override
    public void finding(String name, Object value) {
    }

    @Override
    public void metric(String name, double value) {
        metrics.put(name, value);
    }

    @Override
    public void info(String message) {
        infos.add(message);
    }

    @Override
    public void warn(String message) {
        warnings.add(message);
    }

    @Override
    public boolean cancelled() {
        return saves >= cancelAfterSaves;
    }

    @Override
    public int attempt() {
        return 1;
    }

    @Override
    public boolean resumed() {
        return resumed;
    }
}
