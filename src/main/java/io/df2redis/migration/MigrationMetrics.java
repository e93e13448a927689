package io.df2redis.migration;

import io.df2redis.migration.event.EventHub;
import io.df2redis.state.MigrationEvent;
import io.df2redis.state.StatusStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Exposes the migration on {@code /q/metrics}: an events counter by type, the number of live
 * event subscribers, and one gauge per numeric metric the stages report ({@code df2redis_migration_<name>}).
 */
@ApplicationScoped
public class MigrationMetrics {

    private final MeterRegistry registry;
    private final EventHub events;
    private final StatusStore store;
    private final Set<String> registered = ConcurrentHashMap.newKeySet();

    public MigrationMetrics(MeterRegistry registry, EventHub events, StatusStore store) {
        this.registry = registry;
        this.events = events;
        this.store = store;
    }

    void start(@Observes StartupEvent event) {
        Gauge.builder("df2redis.events.subscribers", events, EventHub::subscribers)
                .description("live event stream subscribers (SSE clients)")
                .register(registry);
        events.listen(this::count);
        registerStatusGauges();
    }

    private void count(MigrationEvent event) {
        registry.counter("df2redis.events", "type", event.type()).increment();
        registerStatusGauges();
    }

    private void registerStatusGauges() {
        for (String name : store.read(s -> Set.copyOf(s.metrics.keySet()))) {
            if (registered.add(name)) {
                Gauge.builder("df2redis.migration." + name, store,
                                s -> s.read(st -> st.metrics.getOrDefault(name, Double.NaN)))
                        .register(registry);
            }
        }
    }
}
