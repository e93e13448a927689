package io.df2redis.migration.stage;

import io.df2redis.config.MigrationConfig;

/** The keys df2redis itself writes ({@code MIGRATE_*}, meta keys): left out of inventories and copies. */
final class OwnKeys {

    private final String baselineKey;
    private final String fenceKey;
    private final String metaPrefix;

    OwnKeys(MigrationConfig.Consistency consistency) {
        this.baselineKey = consistency.baselineTsKey();
        this.fenceKey = consistency.fenceKey();
        String pattern = consistency.metaKeyPattern();
        int hole = pattern.contains("%s") ? pattern.indexOf("%s") : pattern.indexOf("{key}");
        this.metaPrefix = hole <= 0 ? null : pattern.substring(0, hole);
    }

    boolean isOwn(String key) {
        return key.equals(baselineKey) || key.equals(fenceKey) || metaPrefix != null && key.startsWith(metaPrefix);
    }
}
