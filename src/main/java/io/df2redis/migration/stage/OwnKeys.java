package io.df2redis.migration.stage;

import io.df2redis.config.MigrationConfig;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** The keys df2redis itself writes ({@code MIGRATE_*}, meta keys): left out of inventories and copies. */
public final class OwnKeys {

    private final String baselineKey;
    private final String fenceKey;
    private final String metaPrefix;
    private final byte[] baselineKeyBytes;
    private final byte[] fenceKeyBytes;
    private final byte[] metaPrefixBytes;

    public OwnKeys(MigrationConfig.Consistency consistency) {
        this(consistency.baselineTsKey(), consistency.fenceKey(), consistency.metaKeyPattern());
    }

    public OwnKeys(String baselineKey, String fenceKey, String metaKeyPattern) {
        this.baselineKey = baselineKey;
        this.fenceKey = fenceKey;
        int hole = metaKeyPattern.contains("%s") ? metaKeyPattern.indexOf("%s") : metaKeyPattern.indexOf("{key}");
        this.metaPrefix = hole <= 0 ? null : metaKeyPattern.substring(0, hole);
        this.baselineKeyBytes = baselineKey.getBytes(StandardCharsets.UTF_8);
        this.fenceKeyBytes = fenceKey.getBytes(StandardCharsets.UTF_8);
        this.metaPrefixBytes = metaPrefix == null ? null : metaPrefix.getBytes(StandardCharsets.UTF_8);
    }

    /** A SCAN MATCH pattern of the meta keys, empty when the pattern has no fixed prefix. */
    public java.util.Optional<String> metaMatch() {
        return java.util.Optional.ofNullable(metaPrefix).map(p -> p.replace("*", "\\*").replace("?", "\\?").replace("[", "\\[") + "*");
    }

    public boolean isOwn(String key) {
        return key.equals(baselineKey) || key.equals(fenceKey) || metaPrefix != null && key.startsWith(metaPrefix);
    }

    /** The same test on a key's bytes, as SCAN lists them: no string per key on the copy's path. */
    public boolean isOwn(byte[] key) {
        return Arrays.equals(key, baselineKeyBytes) || Arrays.equals(key, fenceKeyBytes)
                || metaPrefixBytes != null && key.length >= metaPrefixBytes.length
                && Arrays.equals(key, 0, metaPrefixBytes.length, metaPrefixBytes, 0, metaPrefixBytes.length);
    }
}
