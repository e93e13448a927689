package io.df2redis.migration.engine;

import io.df2redis.state.EventHub;
import io.df2redis.state.Progress;
import io.df2redis.state.StageState;
import io.df2redis.state.StageStatus;
import io.df2redis.state.StatusStore;
import io.smallrye.mutiny.Uni;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** The context of one stage while it runs; writes everything it is told into the status and the events. */
final class StageRun implements StageContext {

    /** Progress events are rate-limited; the status keeps the latest figure regardless. */
    private static final long PROGRESS_EVENT_INTERVAL_MS = 500;

    private final String stage;
    private final StatusStore store;
    private final EventHub events;
    private final boolean useCheckpoint;
    private volatile boolean cancelled;
    private int attempt;
    private boolean resumed;
    private long startedNanos;
    private long lastProgressEvent;

    StageRun(String stage, StatusStore store, EventHub events, boolean useCheckpoint) {
        this.stage = stage;
        this.store = store;
        this.events = events;
        this.useCheckpoint = useCheckpoint;
    }

    void beginAttempt() {
        attempt++;
        startedNanos = System.nanoTime();
        boolean[] fromCheckpoint = new boolean[1];
        store.update(s -> {
            StageState state = s.stageOrCreate(stage);
            if (!useCheckpoint) {
                state.checkpoint.clear();
            }
            fromCheckpoint[0] = !state.checkpoint.isEmpty();
            if (fromCheckpoint[0] && attempt == 1) {
                state.resumes++;
            }
            state.status = StageStatus.RUNNING;
            state.attempts++;
            state.startedAt = Instant.now();
            state.finishedAt = null;
            state.message = fromCheckpoint[0] ? "continuing from checkpoint" : "running";
        });
        resumed = fromCheckpoint[0];
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("attempt", attempt);
        data.put("resumed", resumed);
        if (resumed) {
            data.put("checkpoint", checkpoint());
        }
        events.emit(resumed ? "stage.resumed" : "stage.started", stage,
                resumed ? "continuing " + stage + " from its checkpoint" : "starting " + stage, data);
    }

    void retrying(Throwable failure, int maxRetries) {
        boolean willRetry = attempt <= maxRetries;
        events.emit("stage.retry", stage, (willRetry ? "attempt " + attempt + "/" + (maxRetries + 1)
                        + " failed, retrying with backoff: " : "attempt " + attempt + "/" + (maxRetries + 1) + " failed, giving up: ")
                        + PipelineEngine.describe(failure),
                Map.of("attempt", attempt, "maxAttempts", maxRetries + 1));
    }

    void finish(StageResult result) {
        store.update(s -> {
            StageState state = s.stageOrCreate(stage);
            state.status = result.status();
            state.message = io.df2redis.config.Secrets.mask(result.message());
            state.finishedAt = Instant.now();
        });
        events.emit("stage." + result.status().json(), stage, result.message(),
                Map.of("seconds", Math.round((System.nanoTime() - startedNanos) / 1e7) / 100.0));
    }

    void cancel() {
        cancelled = true;
    }

    @Override
    public String stage() {
        return stage;
    }

    @Override
    public Map<String, Object> checkpoint() {
        return store.read(s -> new LinkedHashMap<>(s.stageOrCreate(stage).checkpoint));
    }

    @Override
    public Uni<Void> saveCheckpoint(Map<String, Object> checkpoint) {
        store.update(s -> {
            StageState state = s.stageOrCreate(stage);
            state.checkpoint = new LinkedHashMap<>(checkpoint);
        });
        return Uni.createFrom().completionStage(store::durable);
    }

    @Override
    public void progress(long done, Long total, String unit) {
        double seconds = Math.max(0.001, (System.nanoTime() - startedNanos) / 1e9);
        Progress progress = Progress.of(done, total, unit, done / seconds);
        store.update(s -> s.stageOrCreate(stage).progress = progress);
        long now = System.currentTimeMillis();
        boolean last = total != null && done >= total;
        if (last || now - lastProgressEvent >= PROGRESS_EVENT_INTERVAL_MS) {
            lastProgressEvent = now;
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("done", done);
            data.put("total", total);
            data.put("unit", unit);
            data.put("rate", progress.rate);
            data.put("etaSeconds", progress.etaSeconds);
            events.emit("stage.progress", stage, done + (total == null ? "" : "/" + total) + " " + unit
                    + " (" + progress.rate + "/s)", data);
        }
    }

    @Override
    public void finding(String name, Object value) {
        store.update(s -> s.stageOrCreate(stage).findings.put(name, value));
    }

    @Override
    public void metric(String name, double value) {
        store.update(s -> s.metrics.put(name, value));
    }

    @Override
    public void info(String message) {
        events.emit("stage.info", stage, message);
    }

    @Override
    public void warn(String message) {
        events.emit("stage.warning", stage, message);
    }

    @Override
    public boolean cancelled() {
        return cancelled;
    }

    @Override
    public int attempt() {
        return attempt;
    }

    @Override
    public boolean resumed() {
        return resumed;
    }
}
