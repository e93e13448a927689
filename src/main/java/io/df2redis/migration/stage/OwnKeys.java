package io.df2redis.migration.stage;

import io.df2redis.config.MigrationConfig;

/** The keys df2redis itself writes ({@code MIGRATE_*}, meta keys): left out of inventories and copies. */
public final class OwnKeys {

    private final String baselineKey;
    private final String fenceKey;
    private final String metaPrefix;

    public OwnKeys(MigrationConfig.Consistency consistency) {
        this(consistency.baselineTsKey(), consistency.fenceKey(), consistency.metaKeyPattern());
    }

    public OwnKeys(String baselineKey, String fenceKey, String metaKeyPattern) {
        this.baselineKey = baselineKey;
        this.fenceKey = fenceKey;
        int hole = metaKeyPattern.contains("%s") ? metaKeyPattern.indexOf("%s") : metaKeyPattern.indexOf("{key}");
        this.metaPrefix = hole <= 0 ? null : metaKeyPattern.substring(0, hole);
    }

    /** A SCAN MATCH pattern of the meta keys, empty when the pattern has no fixed prefix. */
    public java.util.Optional<String> metaMatch() {
        return java.util.Optional.ofNullable(metaPrefix).map(p -> p.replace("*", "\\*").replace("?", "\\?").replace("[", "\\[") + "*");
    }

    public boolean isOwn(String key) {
        return key.equals(baselineKey) || key.equals(fenceKey) || metaPrefix != null && key.startsWith(metaPrefix);
    }
}
