package io.df2redis.config;

import io.df2redis.contract.settings.ProxySettingKeys;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The migration file. Keys are camelCase exactly as written in the YAML file; every key can be
 * overridden by an environment variable {@code DF2REDIS_<PATH>} (for example
 * {@code DF2REDIS_TARGET_PASSWORD}). Relative paths are resolved against the directory of the
 * migration file.
 */
@ConfigMapping(prefix = MigrationConfig.PREFIX, namingStrategy = ConfigMapping.NamingStrategy.VERBATIM)
public interface MigrationConfig {

    String PREFIX = "df2redis";
    String HOST_PORT = "^(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9._-]+):([1-9][0-9]{0,4})$";
    String HOST_PORT_LIST = "^\\s*(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9._-]+):([1-9][0-9]{0,4})(\\s*,\\s*(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9._-]+):([1-9][0-9]{0,4}))*\\s*$";
    String HOST_PORT_MESSAGE = "must be host:port with a port from 1 to 65535, e.g. 127.0.0.1:6379";

    /** The side that is authoritative at the start: Dragonfly (or a Redis playing it). */
    @Valid
    Source source();

    /** The side the keyspace moves to: Redis standalone or Redis Cluster. */
    @Valid
    Target target();

    /** Directory for status, checkpoints, journal and generated files. */
    @WithDefault("state")
    String stateDir();

    /** Status file; defaults to {@code <stateDir>/status.json}. */
    Optional<String> statusFile();

    /** The Camellia proxy that applications talk to during a live migration. */
    @Valid
    Proxy proxy();

    /** How the keyspace is copied and cut over. */
    @Valid
    Migrate migrate();

    /** Keys and checks that keep both sides consistent. */
    @Valid
    Consistency consistency();

    /** The REST/SSE control API. */
    @Valid
    Control control();

    /** The dashboard served by {@code serve} and {@code migrate --show}. */
    @Valid
    Dashboard dashboard();

    /** How the stage engine runs stages: timeouts, retries, remote call limits. */
    @Valid
    Engine engine();

    /** The journal drain (phase 6): when it counts as caught up. */
    @Valid
    Sync sync();

    /** Verification of both sides (phase 7): rounds, TTL tolerance, the mode of the verify stage. */
    @Valid
    Verify verify();

    /** After the write cutover (phase 10). */
    @Valid
    Cleanup cleanup();

    /** Returning to the side that was authoritative before the last flip. */
    @Valid
    Rollback rollback();

    enum VerifyMode { SAMPLE, FULL, DIRTY }

    interface Sync {
        /**
         * Lag at most for the drain to count as caught up: the age of the oldest journal intent it has
         * not applied (an intent still waiting for its reply counts from when it was written). Replaces
         * the record count {@code readyBacklog}, which said nothing about time at a high write rate.
         */
        @WithDefault("500ms")
        Duration readyLag();

        /** How long the lag must stay at most {@code readyLag} before the sync stage reports caught up. */
        @WithDefault("3s")
        Duration readyFor();

        /** Journal intents read per drain batch (keys deduplicated within a batch). */
        @WithDefault("1000")
        @Min(value = 1, message = "must be at least 1") @Max(value = 100000, message = "must be at most 100000")
        int batch();

        /**
         * How long an intent may wait for its commit record before the drain copies its key anyway
         * (the proxy died between forwarding and the reply; the key is read as the source has it).
         */
        @WithDefault("10s")
        Duration commitGrace();
    }

    interface Verify {
        /** Mode of the verify stage: {@code sample} (consistency.sampleRate), {@code full}, or {@code dirty}. */
        @WithDefault("sample")
        VerifyMode mode();

        /** Re-checks of a difference (after the drain passed the key) before it counts as a mismatch; a repair runs between them. */
        @WithDefault("3")
        @Min(value = 1, message = "must be at least 1") @Max(value = 20, message = "must be at most 20")
        int rounds();

        /** TTL difference tolerated between the two sides. */
        @WithDefault("2s")
        Duration ttlTolerance();

        /** Longest a re-check waits for the drain to pass a key's latest journal record. */
        @WithDefault("30s")
        Duration recheckTimeout();

        /**
         * Share of the keys a pass checks, 0 to 1, that may differ (repaired ones included, transient ones not)
         * before the verify stage distrusts the copy: a sample pass above it escalates to full passes, and the
         * stage ends only once a full pass stays within it.
         */
        @WithDefault("0.01")
        @DecimalMin(value = "0", message = "must be from 0 to 1")
        @DecimalMax(value = "1", message = "must be from 0 to 1")
        double maxDifferenceRate();

        /**
         * The scan importer compares each batch it wrote with the source before its checkpoint moves past it,
         * so that a finished copy is already verified: a {@code full} verify stage then checks only the keys on
         * the target alone and the keys written since (the journal). Keys found differing are checked again,
         * settled and repaired, by the verify stage.
         */
        @WithDefault("false")
        boolean duringCopy();
    }

    interface Cleanup {
        /** How long to watch the flipped migration before cleaning up ({@code POST .../cutover/advance} ends it early). */
        @WithDefault("0s")
        Duration observeFor();

        /** Keep mirroring writes to the source after the cleanup (a longer way back); otherwise the proxy passes through to the target. */
        @WithDefault("false")
        boolean keepMirror();
    }

    interface Rollback {
        /** On a rollback before the write flip, delete the migrated keys from the target. */
        @WithDefault("false")
        boolean purgeTarget();
    }

    enum SourceType { DRAGONFLY, REDIS }

    enum TargetType { REDIS_STANDALONE, REDIS_CLUSTER }

    enum Mode { LIVE, SNAPSHOT, COLD }

    enum Importer { SCAN, RDB, RDB_CLI }

    enum TargetNonEmptyPolicy { FAIL, ALLOW }

    enum ConflictPolicy { REPLACE, SKIP_EXISTING, FAIL }

    enum UnsupportedTypes { FAIL, SKIP }

    enum DumpCompression { KEEP, OFF }

    interface Source {
        /** {@code dragonfly} or {@code redis}; checked against what {@code INFO} reports. */
        @WithDefault("dragonfly")
        SourceType type();

        /** host:port of the source. */
        @Pattern(regexp = HOST_PORT, message = HOST_PORT_MESSAGE)
        String addr();

        /** ACL user name; leave out for the default user. */
        Optional<String> username();

        /** Password (secret: never printed). */
        Optional<String> password();

        /** Connect with TLS. */
        @WithDefault("false")
        boolean tls();

        /** Only this database; leave out to migrate every database that holds keys. */
        Optional<@Min(0) @Max(1023) Integer> db();
    }

    interface Target {
        /** {@code redis-standalone} or {@code redis-cluster}. */
        @WithDefault("redis-standalone")
        TargetType type();

        /** host:port of the target, or a comma-separated list of cluster seed nodes. */
        @Pattern(regexp = HOST_PORT_LIST, message = "must be host:port, or a comma-separated list of them for a cluster, e.g. 127.0.0.1:7000,127.0.0.1:7001")
        String seed();

        /** ACL user name; leave out for the default user. */
        Optional<String> username();

        /** Password (secret: never printed). */
        Optional<String> password();

        /** Connect with TLS. */
        @WithDefault("false")
        boolean tls();
    }

    interface Proxy {
        /** Proxy implementation; only {@code camellia}. */
        @WithDefault("camellia")
        @Pattern(regexp = "camellia", message = "must be camellia (the only proxy df2redis runs)")
        String kind();

        /** host:port the proxy listens on for applications (loopback unless changed). */
        @WithDefault("127.0.0.1:6380")
        @Pattern(regexp = HOST_PORT, message = HOST_PORT_MESSAGE)
        String endpoint();

        /** Port of the proxy's HTTP console (bound to loopback). */
        @WithDefault("16379")
        @Min(1) @Max(65535)
        int consolePort();

        /**
         * Bearer token of the proxy's HTTP console (secret). Unset: df2redis generates one into
         * {@code <stateDir>/proxy/console.token} (0600) and keeps it across runs.
         */
        Optional<String> consoleToken();

        /** Directory of the dirty-key journal; defaults to {@code <stateDir>/wal}. */
        Optional<String> walDir();

        /** Mirror every write to the other side. */
        @WithDefault("true")
        boolean mirrorWrites();

        /** {@code auto} (the runtime shipped with df2redis) or the path of a proxy jar. */
        @WithDefault("auto")
        String binary();

        /** Journal status file written by the proxy plugin; defaults to {@code <walDir>/status.json}. */
        Optional<String> walStatusFile();

        /** Lua script of the meta CAS hook; {@code auto} uses the bundled {@code lua/meta_cas.lua}. */
        @WithDefault("auto")
        String metaHookScript();

        /** hook.json handed to the plugin; defaults to {@code <walDir>/hook.json}. */
        Optional<String> hookInfoFile();

        /** Rendered proxy config; {@code auto} renders the bundled template into the state dir. */
        @WithDefault("auto")
        String configFile();

        /** Working directory of the proxy process; defaults to the state dir. */
        Optional<String> workDir();

        /** Extra JVM arguments for the proxy process. */
        Optional<String> args();

        /** Extra environment for the proxy process. */
        Map<String, String> env();

        /** Ordering guarantee for mirrored writes: {@code slot} or {@code key}. */
        @WithDefault("slot")
        @Pattern(regexp = "slot|key", message = "must be slot or key")
        String perKeyOrdering();

        /** Java for the proxy process; default {@code JAVA_HOME}, then {@code java} on PATH. */
        Optional<String> javaHome();

        /** Maximum heap of the proxy process, e.g. {@code 256m}. */
        @WithDefault("256m")
        @Pattern(regexp = "[1-9][0-9]*[kmgKMG]", message = "must be a JVM heap size such as 256m or 1g")
        String heap();

        /** How long the proxy may take to print its ready line and answer PING. */
        @WithDefault("60s")
        Duration readyTimeout();

        /** Restarts of a proxy that exited unexpectedly before the supervisor gives up. */
        @WithDefault("5")
        @Min(0) @Max(100)
        int restartAttempts();

        /** First backoff between restarts (doubles each time). */
        @WithDefault("1s")
        Duration restartBackoff();

        /**
         * Stop the proxy when the service stops. By default ({@code false}) the proxy outlives
         * {@code migrate}, a stopped or killed service and a blocked or failed stage, so applications
         * never lose their endpoint; a later run adopts it, and {@code df2redis proxy stop} (or
         * {@code POST /api/v1/proxy/stop}) retires it.
         */
        @WithDefault("false")
        boolean stopWithService();

        /** How long a stopping proxy gets after SIGTERM before SIGKILL. */
        @WithDefault("5s")
        Duration stopGrace();

        /** Camellia's multi-write mode: {@code first-resource-only}, {@code all-resources-no-check}, {@code all-resources-check-error}. */
        @WithDefault(ProxySettingKeys.Defaults.MULTI_WRITE_MODE)
        MultiWriteMode multiWriteMode();

        /**
         * How a read share goes to the target: {@code random} (per command; multi-key reads work) or
         * {@code sticky} (per key, by 20 hash buckets; exact share, but a multi-key read whose keys fall
         * in different buckets is refused).
         */
        @WithDefault("random")
        @Pattern(regexp = "random|sticky", message = "must be random or sticky")
        String readSplit();

        /** The write fence used at the write cutover. */
        @Valid
        Fence fence();

        /** The dirty-key journal written by the proxy plugin. */
        @Valid
        Journal journal();
    }

    enum MultiWriteMode { FIRST_RESOURCE_ONLY, ALL_RESOURCES_NO_CHECK, ALL_RESOURCES_CHECK_ERROR }

    interface Fence {
        /** {@code hold} (wait, at most {@code maxHold}, then refuse) or {@code reject} (refuse at once). */
        @WithDefault(ProxySettingKeys.Defaults.FENCE_MODE)
        @Pattern(regexp = "hold|reject", message = "must be hold or reject")
        String mode();

        /** Error text a fenced write gets. */
        @WithDefault(ProxySettingKeys.Defaults.FENCE_MESSAGE)
        String message();

        /**
         * Longest pause of the write cutover: fence on, in-flight writes done, journal drained, dirty keys
         * verified, route flipped. Past it the fence lifts with the old primary kept. Must be below {@code maxHold}.
         */
        @WithDefault("1500ms")
        Duration maxPause();

        /** Write cutover attempts before the fence stage blocks. */
        @WithDefault("3")
        @Min(value = 1, message = "must be at least 1") @Max(value = 20, message = "must be at most 20")
        int attempts();

        /** Longest a write is held before it is refused. */
        @WithDefault(ProxySettingKeys.Defaults.FENCE_MAX_HOLD_MILLIS + "ms")
        Duration maxHold();
    }

    interface Journal {
        /** {@code batch} (fsync every group of records before the writes go on), {@code interval} or {@code none}. */
        @WithDefault(ProxySettingKeys.Defaults.JOURNAL_FSYNC)
        @Pattern(regexp = "batch|interval|none", message = "must be batch, interval or none")
        String fsync();

        /** fsync period with {@code fsync: interval}. */
        @WithDefault(ProxySettingKeys.Defaults.JOURNAL_FSYNC_INTERVAL_MILLIS + "ms")
        Duration fsyncInterval();

        /**
         * Longest a write waits for the journal when no journal write gets through (a stuck disk)
         * before it is refused (fail closed). A busy journal never refuses: the lock is held for one write call.
         */
        @WithDefault(ProxySettingKeys.Defaults.JOURNAL_APPEND_TIMEOUT_MILLIS + "ms")
        Duration appendTimeout();

        /** Records per segment file. */
        @WithDefault(ProxySettingKeys.Defaults.JOURNAL_SEGMENT_RECORDS)
        @Min(1000)
        int segmentRecords();
    }

    interface Migrate {
        /** {@code live} (proxy, journal, cutover) or {@code snapshot} (one-off copy; {@code cold} is an alias). */
        @WithDefault("live")
        Mode mode();

        /** Baseline importer: {@code scan}, {@code rdb} or {@code rdb-cli}. */
        @WithDefault("scan")
        Importer importer();

        /** Parallel copy workers (the scan importer: as many source readers and as many target writers). */
        @WithDefault("4")
        @Min(value = 1, message = "must be at least 1 (parallel copy workers)")
        @Max(value = 256, message = "must be at most 256")
        int concurrency();

        /**
         * Commands per pipelined write of a copy worker's connection (a batch's writes go out without
         * waiting for each other's replies).
         */
        @WithDefault("128")
        @Min(value = 1, message = "must be at least 1 (commands per pipelined write)")
        @Max(value = 100000, message = "must be at most 100000")
        int pipeline();

        /** Slots grouped per batch for a cluster target. */
        @WithDefault("1024")
        @Min(1) @Max(16384)
        int slotBatch();

        /**
         * Keys asked for per SCAN call; each call's keys are one batch, read and written in rounds of 1,024 and
         * checkpointed together. The scan importer holds two batches of key names, and payloads read and
         * not yet written up to a 16 MB budget (which each reader may pass by one round). A small batch is read
         * soon after SCAN listed it, while the source still has its keys in its CPU cache: 2048 cost a Redis
         * source 8% less CPU per copy than 10000.
         */
        @WithDefault("2048")
        @Min(value = 1, message = "must be at least 1") @Max(value = 100000, message = "must be at most 100000")
        int scanCount();

        /**
         * The source's {@code rdbcompression} while the scan importer runs: {@code keep} leaves it alone;
         * {@code off} sets it to {@code no} for the import (a Redis source; Dragonfly has no such setting) and
         * puts the previous value back when the import ends, or at the next start after a crash. DUMP then
         * skips its LZF attempt on every value over 20 bytes: about a third of the source's CPU per DUMP on
         * data that does not compress; payloads of data that does compress get bigger. The default is {@code off}:
         * the faster copy of a Redis source, and nothing at all on a Dragonfly source.
         */
        @WithDefault("off")
        DumpCompression dumpCompression();

        /** Rate limits. */
        @Valid
        Throttle throttle();

        /** RDB snapshot file for the {@code rdb} and {@code rdb-cli} importers (also where a triggered snapshot is read). */
        Optional<String> snapshotPath();

        /** Making the RDB snapshot for the {@code rdb} and {@code rdb-cli} importers. */
        @Valid
        Snapshot snapshot();

        /** Path of redis-rdb-cli's {@code rmt} for the {@code rdb-cli} importer. */
        Optional<String> rdbToolBinary();

        /** Extra arguments for {@code rmt}. */
        Optional<String> rdbToolArgs();

        /** Continue from checkpoints after a restart (otherwise start over). */
        @WithDefault("true")
        boolean resume();

        /** What to do when the target already holds keys: {@code fail} or {@code allow}. */
        @WithDefault("fail")
        TargetNonEmptyPolicy targetNonEmpty();

        /**
         * What a copy does with a key the target already holds: {@code replace} it, {@code skip-existing}
         * (keep the target's value and count the key as skipped) or {@code fail} the key (counted against
         * {@code maxFailures}).
         */
        @WithDefault("replace")
        ConflictPolicy conflictPolicy();

        /** Failed keys tolerated before the import stage fails. */
        @WithDefault("0")
        @Min(0)
        long maxFailures();

        /**
         * What the {@code rdb} importer does with keys of types no Redis can load (Dragonfly's JSON,
         * field-expiry hashes, Bloom ...): {@code fail} the stage before anything is written, or {@code skip}
         * them (listed by name) and copy the rest.
         */
        @WithDefault("fail")
        UnsupportedTypes unsupportedTypes();

        /** Progressive read cutover. */
        @Valid
        Cutover cutover();
    }

    interface Snapshot {
        /** Ask the source for an RDB snapshot (Dragonfly: {@code BGSAVE RDB <name>}; Redis: {@code BGSAVE}) before the import. */
        @WithDefault("false")
        boolean trigger();

        /** Snapshot name for Dragonfly (no extension); default {@code df2redis-<T0>}. */
        Optional<String> name();

        /** Longest the save may take. */
        @WithDefault("30m")
        Duration timeout();

        /** How often INFO persistence is polled while the source saves. */
        @WithDefault("1s")
        Duration pollInterval();
    }

    interface Throttle {
        /** Operations per second per master; 0 means unlimited. */
        @WithDefault("0")
        @Min(value = 0, message = "must be 0 (unlimited) or more")
        int maxOpsPerMaster();

        /** Copy big keys by value in chunks instead of one DUMP payload. */
        @WithDefault("true")
        boolean bigKeySlowpath();

        /** Payload size above which a key takes the big-key path. */
        @WithDefault("16777216")
        @Min(1024)
        long bigKeyBytes();
    }

    interface Cutover {
        /** Read batches, in increasing percentage order. */
        List<@Valid Batch> batches();

        /** Advance from batch to batch by itself; {@code false} waits for {@code POST /api/v1/migration/cutover/advance}. */
        @WithDefault("true")
        boolean auto();

        /** Journal backlog (records) a batch tolerates; above it the batch stops and reads return to the source. */
        @WithDefault("10000")
        @Min(value = 0, message = "must be 0 or more (journal records)")
        long maxBacklog();

        /**
         * How long a read batch, and the write cutover before it fences, wait for a journal backlog over
         * {@code maxBacklog} to drain (or its lag to fall to {@code sync.readyLag}) before they block.
         * A burst of writes waits; a backlog the drain does not bring down within this time blocks.
         */
        @WithDefault("2m")
        Duration drainWait();

        /** How often a holding batch verifies the keys dirtied since its last pass. */
        @WithDefault("1s")
        Duration checkEvery();
    }

    interface Batch {
        /** Name shown in status and events. */
        Optional<String> label();

        /** Share of reads sent to the target, 0 to 100. */
        @Min(value = 0, message = "must be from 0 to 100 (share of reads sent to the target)")
        @Max(value = 100, message = "must be from 0 to 100 (share of reads sent to the target)")
        int percentage();

        /** How long the batch holds before the next one, e.g. {@code 5m}. */
        @WithDefault("5m")
        Duration duration();

        /** Mismatches tolerated during the batch. */
        @WithDefault("0")
        @Min(value = 0, message = "must be 0 or more")
        long maxMismatch();
    }

    interface Consistency {
        /** Meta key per data key; {@code %s} (or {@code {key}}) stands for the key. */
        @WithDefault("meta:{%s}")
        String metaKeyPattern();

        /** Key written on both sides at the write cutover. */
        @WithDefault("MIGRATE_FENCE")
        @NotBlank
        String fenceKey();

        /** Key holding T0 on both sides. */
        @WithDefault("MIGRATE_BASE_TS")
        @NotBlank
        String baselineTsKey();

        /** Guard import writes with the meta CAS hook. */
        @WithDefault("true")
        boolean enableCas();

        /** Share of keys compared by sample verification, 0 to 1. */
        @WithDefault("0.001")
        @DecimalMin(value = "0", message = "must be from 0 to 1")
        @DecimalMax(value = "1", message = "must be from 0 to 1")
        double sampleRate();

        /** Directory with the Lua scripts. */
        @WithDefault("lua")
        String luaDir();
    }

    interface Control {
        /** Bearer token for /api (secret). Without it the control API answers 403. */
        Optional<String> token();
    }

    interface Dashboard {
        /** host:port of the HTTP server (REST, SSE, dashboard). */
        @WithDefault("127.0.0.1:8080")
        @Pattern(regexp = HOST_PORT, message = HOST_PORT_MESSAGE)
        String addr();
    }

    interface Engine {
        /** Longest a stage may run before it fails with a timeout. */
        @WithDefault("24h")
        Duration stageTimeout();

        /** Retries of a stage that failed with a retryable error. */
        @WithDefault("2")
        @Min(0) @Max(100)
        int stageRetries();

        /** First backoff between stage retries (doubles each time). */
        @WithDefault("2s")
        Duration retryBackoff();

        /** Timeout of one remote call (PING, INFO, SCAN ...). */
        @WithDefault("5s")
        Duration remoteTimeout();

        /** Events kept in the status file. */
        @WithDefault("200")
        @Min(10) @Max(10000)
        int recentEvents();

        /** Batches between two checkpoints of a long stage. */
        @WithDefault("10")
        @Min(1)
        int checkpointEvery();
    }
}
