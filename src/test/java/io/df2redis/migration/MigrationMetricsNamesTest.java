package io.df2redis.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Tags;
import org.junit.jupiter.api.Test;

/** How the stages' status metrics are named on /q/metrics (Micrometer names; Prometheus adds _total to counters). */
class MigrationMetricsNamesTest {

    @Test
    void millisecondsBecomeSecondsInNameAndValue() {
        MigrationMetrics.MeterName lag = MigrationMetrics.meterFor("sync_lag_ms");
        assertEquals("df2redis.sync.lag.seconds", lag.name());
        assertEquals(0.001, lag.scale());
        assertFalse(lag.counter());
        assertEquals("df2redis.baseline.t0.timestamp.seconds", MigrationMetrics.meterFor("baseline_t0_ms").name());
    }

    @Test
    void totalsThatOnlyGrowAreCounters() {
        assertTrue(MigrationMetrics.meterFor("import_keys_copied").counter());
        assertTrue(MigrationMetrics.meterFor("sync_keys_copied").counter());
        assertEquals("df2redis.import.read.bytes", MigrationMetrics.meterFor("import_bytes_read").name());
        assertTrue(MigrationMetrics.meterFor("import_bytes_read").counter());
        assertFalse(MigrationMetrics.meterFor("sync_backlog_records").counter());
        assertFalse(MigrationMetrics.meterFor("proxy_qps").counter());
    }

    @Test
    void perTypeMetricsFormOneLabelledFamily() {
        MigrationMetrics.MeterName fallbacks = MigrationMetrics.meterFor("import_fallbacks_zset");
        assertEquals("df2redis.import.fallbacks", fallbacks.name());
        assertEquals(Tags.of("type", "zset"), fallbacks.tags());
        assertTrue(fallbacks.counter());
        MigrationMetrics.MeterName byType = MigrationMetrics.meterFor("baseline_keys_hash");
        assertEquals("df2redis.baseline.keys.by.type", byType.name());
        assertEquals(Tags.of("type", "hash"), byType.tags());
        assertEquals("df2redis.baseline.keys", MigrationMetrics.meterFor("baseline_keys").name());
        assertEquals(Tags.empty(), MigrationMetrics.meterFor("baseline_keys").tags());
    }
}
