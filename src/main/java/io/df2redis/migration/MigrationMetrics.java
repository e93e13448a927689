package io.df2redis.migration;

import io.df2redis.state.EventHub;
import io.df2redis.state.MigrationEvent;
import io.df2redis.state.StageState;
import io.df2redis.state.StageStatus;
import io.df2redis.state.StatusStore;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * Exposes the migration on {@code /q/metrics} with Prometheus names (base units in the name,
 * {@code _total} for counters):
 * <ul>
 * <li>{@code df2redis_events_total{type}}: events by type; {@code df2redis_events_subscribers}: live SSE clients;</li>
 * <li>{@code df2redis_stage_duration_seconds{stage}}: how long each stage ran (or runs so far);</li>
 * <li>{@code df2redis_fence_pause_seconds}: a histogram of write pauses, from {@code fence.*} events
 * that carry {@code data.pauseMs};</li>
 * <li>one meter per numeric metric the stages report in the status, named by {@link #meterFor}: e.g.
 * {@code sync_lag_ms} as {@code df2redis_sync_lag_seconds}, {@code import_keys_copied} as the counter
 * {@code df2redis_import_keys_copied_total}, {@code import_fallbacks_<type>} as
 * {@code df2redis_import_fallbacks_total{type}}.</li>
 * </ul>
 */
@ApplicationScoped
public class MigrationMetrics {

    /** Status metrics that only grow during a run: counters. */
    static final Set<String> COUNTERS = Set.of("import_keys_copied", "import_bytes", "import_read_bytes",
            "import_failures", "import_skipped_expired", "import_skipped_existing", "import_skipped_newer_than_t0",
            "import_big_keys", "sync_keys_copied", "proxy_journal_intents", "proxy_journal_refused", "proxy_fenced_writes");

    /** Status metric names that need more than the general rules. */
    static final Map<String, String> RENAMED = Map.of(
            "baseline_t0_ms", "baseline_t0_timestamp_seconds",
            "import_bytes_read", "import_read_bytes");

    /** Status metrics {@code <prefix><type>} that form one labelled family. */
    static final Map<String, String> FAMILIES = Map.of(
            "baseline_keys_", "baseline_keys_by_type",
            "import_fallbacks_", "import_fallbacks");

    /**
     * How a status metric is exposed.
     *
     * @param name the Micrometer name (dots); the Prometheus registry adds {@code _total} to counters
     * @param counter a counter rather than a gauge
     * @param tags labels
     * @param scale factor from the status value to the exposed one (1/1000 for milliseconds to seconds)
     */
    /** Buckets of the fence pause histogram: a pause is bounded by proxy.fence.maxHold (seconds at most). */
    private static final Duration[] FENCE_BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30)};

    record MeterName(String name, boolean counter, Tags tags, double scale) {
    }

    private final MeterRegistry registry;
    private final EventHub events;
    private final StatusStore store;
    private final Set<String> registered = ConcurrentHashMap.newKeySet();
    private final Set<String> stages = ConcurrentHashMap.newKeySet();
    private Timer fencePauses;

    public MigrationMetrics(MeterRegistry registry, EventHub events, StatusStore store) {
        this.registry = registry;
        this.events = events;
        this.store = store;
    }

    void start(@Observes StartupEvent event) {
        Gauge.builder("df2redis.events.subscribers", events, EventHub::subscribers)
                .description("live event stream subscribers (SSE clients)")
                .register(registry);
        fencePauses = Timer.builder("df2redis.fence.pause")
                .description("how long the write fence held writes")
                .serviceLevelObjectives(FENCE_BUCKETS)
                .register(registry);
        events.listen(this::count);
        registerStatusMeters();
    }

    /** The Prometheus meter of a status metric: units in base form, counters for what only grows. */
    static MeterName meterFor(String statusName) {
        String name = RENAMED.getOrDefault(statusName, statusName);
        double scale = 1;
        if (name.endsWith("_ms")) {
            name = name.substring(0, name.length() - "_ms".length()) + "_seconds";
            scale = 0.001;
        }
        for (Map.Entry<String, String> family : FAMILIES.entrySet()) {
            if (name.startsWith(family.getKey()) && name.length() > family.getKey().length()) {
                String type = name.substring(family.getKey().length());
                boolean counter = family.getKey().equals("import_fallbacks_");
                return new MeterName(dotted(family.getValue()), counter, Tags.of("type", type), scale);
            }
        }
        return new MeterName(dotted(name), COUNTERS.contains(name), Tags.empty(), scale);
    }

    private static String dotted(String name) {
        return "df2redis." + name.replace('_', '.');
    }

    private void count(MigrationEvent event) {
        registry.counter("df2redis.events", "type", event.type()).increment();
        if (event.type().startsWith("fence.") && event.data().get("pauseMs") instanceof Number pause) {
            fencePauses.record(Duration.ofMillis(pause.longValue()));
        }
        registerStatusMeters();
    }

    private void registerStatusMeters() {
        for (String name : store.read(s -> Set.copyOf(s.metrics.keySet()))) {
            if (registered.add(name)) {
                register(name, meterFor(name));
            }
        }
        for (String stage : store.read(s -> s.stages.stream().map(st -> st.name).toList())) {
            if (stages.add(stage)) {
                Gauge.builder("df2redis.stage.duration.seconds", store, s -> s.read(st -> seconds(st.stage(stage).orElse(null))))
                        .description("how long the stage ran, or has run so far")
                        .tags(List.of(Tag.of("stage", stage)))
                        .register(registry);
            }
        }
    }

    private void register(String statusName, MeterName meter) {
        ToDoubleFunction<StatusStore> value = s -> s.read(st -> st.metrics.getOrDefault(statusName, Double.NaN)) * meter.scale();
        if (meter.counter()) {
            FunctionCounter.builder(meter.name(), store, value).tags(meter.tags()).register(registry);
        } else {
            Gauge.builder(meter.name(), store, value).tags(meter.tags()).register(registry);
        }
    }

    private static double seconds(StageState stage) {
        if (stage == null || stage.startedAt == null) {
            return Double.NaN;
        }
        Instant end = stage.status == StageStatus.RUNNING ? Instant.now() : stage.finishedAt;
        return end == null ? Double.NaN : Duration.between(stage.startedAt, end).toMillis() / 1000.0;
    }
}
