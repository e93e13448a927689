package io.df2redis.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MigrationConfigLoaderTest {

    @TempDir
    Path dir;

    @Test
    void bindsTheShippedSampleAsIs() {
        MigrationConfig config = MigrationConfigLoader.load(Path.of("examples/migrate.sample.yaml"), Map.of());

        assertEquals(MigrationConfig.SourceType.DRAGONFLY, config.source().type());
        assertEquals("127.0.0.1:6379", config.source().addr());
        assertTrue(config.source().password().isEmpty(), "an empty password means none");
        assertEquals(MigrationConfig.TargetType.REDIS_CLUSTER, config.target().type());
        assertEquals("127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002", config.target().seed());
        assertEquals(3, config.migrate().cutover().batches().size());
        assertEquals(Duration.ofMinutes(10), config.migrate().cutover().batches().get(1).duration());
        assertEquals("half", config.migrate().cutover().batches().get(1).label().orElseThrow());
        assertEquals(MigrationConfig.Importer.SCAN, config.migrate().importer());
        assertEquals(MigrationConfig.DumpCompression.OFF, config.migrate().dumpCompression(), "an unquoted off, which YAML reads as false");
        assertEquals("meta:{%s}", config.consistency().metaKeyPattern());
        assertTrue(config.control().token().isEmpty());
    }

    @Test
    void acceptsTheSeedPrototypeShape() throws IOException {
        MigrationConfig config = load("""
                source: {type: dragonfly, addr: "10.0.0.1:6379", password: "pw"}
                target: {type: redis-cluster, seed: "10.0.0.2:7000"}
                proxy:
                  endpoint: "0.0.0.0:6380"
                  walDir: state/wal
                  binary: auto
                  walStatusFile: state/wal/status.json
                  metaHookScript: auto
                  hookInfoFile: state/wal/hook.json
                  consolePort: 16379
                migrate:
                  mode: COLD
                  importer: rdb-cli
                  concurrency: 8
                  pipeline: 256
                  slotBatch: 1024
                  throttle: {maxOpsPerMaster: 20000, bigKeySlowpath: true}
                  snapshotPath: /data/dump.rdb
                  rdbToolBinary: /opt/rdb/bin/rmt
                  resume: true
                  cutover:
                    batches:
                      - {label: phase-10, percentage: 10, duration: 5m, maxMismatch: 0}
                      - {label: phase-100, percentage: 100, duration: 15m, maxMismatch: 0}
                consistency: {metaKeyPattern: "meta:{%s}", fenceKey: MIGRATE_FENCE, baselineTsKey: MIGRATE_BASE_TS, enableCas: true, sampleRate: 0.001, luaDir: lua}
                stateDir: state
                statusFile: state/status.json
                """, Map.of());
        assertEquals(MigrationConfig.Mode.COLD, config.migrate().mode());
        assertEquals(MigrationConfig.Importer.RDB_CLI, config.migrate().importer());
        assertEquals(20000, config.migrate().throttle().maxOpsPerMaster());
    }

    @Test
    void reportsEveryProblemAtOnceWithItsKey() throws IOException {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> load("""
                source:
                  addr: "localhost"
                  pasword: secret
                target:
                  seed: "127.0.0.1:99999"
                migrate:
                  concurrency: 0
                  pipeline: abc
                  cutover:
                    batches:
                      - {percentage: 50, duration: 5m}
                      - {percentage: 40, duration: soon}
                      - {percentage: 120}
                engine:
                  remoteTimeout: 5 parsecs
                """, Map.of()));

        Map<String, String> byKey = byKey(e);
        assertTrue(byKey.get("source.pasword").contains("did you mean 'source.password'"), byKey.toString());
        assertTrue(byKey.get("source.addr").contains("host:port"), byKey.toString());
        assertTrue(byKey.get("target.seed").contains("port 99999 is out of range"), byKey.toString());
        assertTrue(byKey.get("migrate.concurrency").contains("at least 1"), byKey.toString());
        assertTrue(byKey.get("migrate.pipeline").contains("\"abc\" is not valid: write a whole number"), byKey.toString());
        assertTrue(byKey.get("migrate.cutover.batches[1].duration").contains("duration with its unit, such as"), byKey.toString());
        assertTrue(byKey.get("migrate.cutover.batches[2].percentage").contains("0 to 100"), byKey.toString());
        assertTrue(byKey.get("engine.remoteTimeout").contains("duration"), byKey.toString());
        assertTrue(e.getMessage().contains(e.problems().size() + " problems"));
    }

    @Test
    void percentagesMustIncrease() throws IOException {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> load("""
                source: {addr: "127.0.0.1:1"}
                target: {seed: "127.0.0.1:2"}
                migrate:
                  cutover:
                    batches:
                      - {percentage: 50}
                      - {percentage: 40}
                      - {percentage: 100}
                """, Map.of()));
        assertEquals(List.of(new ConfigProblem("migrate.cutover.batches[1].percentage",
                "percentages must increase from batch to batch: 40 follows 50; order the batches by percentage")), e.problems());
    }

    @Test
    void batchesMoveInFivePercentStepsAndEndAtAHundred() throws IOException {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> load("""
                source: {addr: "127.0.0.1:1"}
                target: {seed: "127.0.0.1:2"}
                migrate:
                  cutover:
                    batches:
                      - {percentage: 7}
                      - {percentage: 50}
                """, Map.of()));
        assertEquals(List.of(
                new ConfigProblem("migrate.cutover.batches[0].percentage",
                        "7 is not a multiple of 5: the proxy moves reads in 5 % steps, so write e.g. 5"),
                new ConfigProblem("migrate.cutover.batches[1].percentage", "the last batch must send 100 % of reads to the target, "
                        + "so that the write cutover follows a whole read cutover: add a batch with percentage: 100")), e.problems());
    }

    @Test
    void missingRequiredValuesSayWhatToWrite() throws IOException {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> load("""
                source:
                  addr: ""
                stateDir: state
                """, Map.of()));
        List<String> keys = e.problems().stream().map(ConfigProblem::key).toList();
        assertTrue(keys.contains("source.addr"), keys.toString());
        assertTrue(keys.contains("target.seed"), keys.toString());
        assertTrue(e.getMessage().contains("source.addr: required: write host:port"), e.getMessage());
        assertTrue(e.getMessage().contains("target.seed: required: write host:port"), e.getMessage());
    }

    @Test
    void malformedYamlNamesTheLine() throws IOException {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> load("""
                source:
                  addr: 127.0.0.1:6379
                 target: [unclosed
                """, Map.of()));
        assertEquals(1, e.problems().size());
        assertTrue(e.problems().get(0).message().contains("malformed YAML at line"), e.getMessage());
    }

    @Test
    void duplicateKeysAreRejected() {
        assertThrows(InvalidConfigException.class, () -> load("""
                source: {addr: "127.0.0.1:1"}
                source: {addr: "127.0.0.1:2"}
                target: {seed: "127.0.0.1:3"}
                """, Map.of()));
    }

    @Test
    void aMissingFileSaysHowToFixIt() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> MigrationConfigLoader.load(dir.resolve("nope.yaml"), Map.of()));
        assertTrue(e.getMessage().contains("file not found"), e.getMessage());
    }

    @Test
    void environmentOverridesTheFile() throws IOException {
        MigrationConfig config = load("""
                source: {addr: "127.0.0.1:1", password: from-file}
                target: {seed: "127.0.0.1:2"}
                migrate: {concurrency: 2}
                """, Map.of("DF2REDIS_TARGET_PASSWORD", "from-env", "DF2REDIS_SOURCE_PASSWORD", "env-wins",
                "DF2REDIS_MIGRATE_CONCURRENCY", "7", "DF2REDIS_STATEDIR", "/var/lib/df2redis", "UNRELATED", "x"));
        assertEquals("from-env", config.target().password().orElseThrow());
        assertEquals("env-wins", config.source().password().orElseThrow());
        assertEquals(7, config.migrate().concurrency());
        assertEquals("/var/lib/df2redis", config.stateDir());
    }

    @Test
    void maxDifferenceRateDefaultsToOnePercentAndMustBeFromZeroToOne() throws IOException {
        MigrationConfig config = load("""
                source: {addr: "127.0.0.1:1"}
                target: {seed: "127.0.0.1:2"}
                """, Map.of());
        assertEquals(0.01, config.verify().maxDifferenceRate());

        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> load("""
                source: {addr: "127.0.0.1:1"}
                target: {seed: "127.0.0.1:2"}
                verify: {maxDifferenceRate: 1.5}
                """, Map.of()));
        assertEquals("must be from 0 to 1", byKey(e).get("verify.maxDifferenceRate"), e.getMessage());
    }

    @Test
    void aBadEnvironmentValueNamesItsKey() throws IOException {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> load("""
                source: {addr: "127.0.0.1:1"}
                target: {seed: "127.0.0.1:2"}
                """, Map.of("DF2REDIS_MIGRATE_CONCURRENCY", "-3")));
        assertEquals("migrate.concurrency", e.problems().get(0).key());
    }

    @Test
    void booleansAreTrueOrFalseAndDurationsNameTheirUnit() throws IOException {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> load("""
                source: {addr: "127.0.0.1:1", tls: maybe}
                target: {seed: "127.0.0.1:2", tls: ture}
                engine: {remoteTimeout: 5}
                """, Map.of("DF2REDIS_PROXY_MIRRORWRITES", "yes")));
        Map<String, String> byKey = byKey(e);
        assertTrue(byKey.get("source.tls").contains("\"maybe\" is not valid: write true or false"), byKey.toString());
        assertTrue(byKey.get("target.tls").contains("\"ture\" is not valid: write true or false"), byKey.toString());
        assertTrue(byKey.get("engine.remoteTimeout").contains("\"5\" is not valid: write a duration with its unit"), byKey.toString());
        assertTrue(byKey.containsKey("proxy.mirrorWrites"), "an environment value is read as strictly: " + byKey);

        MigrationConfig exact = load("""
                source: {addr: "127.0.0.1:1", tls: FALSE}
                target: {seed: "127.0.0.1:2", tls: false}
                engine: {remoteTimeout: 5s}
                """, Map.of("DF2REDIS_PROXY_MIRRORWRITES", "true"));
        assertFalse(exact.source().tls());
        assertEquals(java.time.Duration.ofSeconds(5), exact.engine().remoteTimeout());
    }

    @Test
    void anUnknownKeyIsReportedEvenWithoutAValueAndAnEmptySectionIsFine() throws IOException {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> load("""
                source: {addr: "127.0.0.1:1"}
                target: {seed: "127.0.0.1:2"}
                cleanup:
                soruce:
                migrate: {resum: }
                """, Map.of()));
        Map<String, String> byKey = byKey(e);
        assertTrue(byKey.get("soruce").startsWith("unknown key"), byKey.toString());
        assertTrue(byKey.get("migrate.resum").contains("did you mean 'migrate.resume'"), byKey.toString());
        assertEquals(2, e.problems().size(), "an empty known section is no problem: " + byKey);
    }

    @Test
    void theReplacedReadyBacklogIsRefusedNamingItsReplacement() throws IOException {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> load("""
                source: {addr: "127.0.0.1:1"}
                target: {seed: "127.0.0.1:2"}
                sync: {readyBacklog: 100, readyFor: 2s}
                """, Map.of()));
        Map<String, String> byKey = byKey(e);
        assertEquals(1, e.problems().size(), byKey.toString());
        assertTrue(byKey.get("sync.readyBacklog").startsWith("replaced by sync.readyLag"), byKey.toString());
        assertTrue(byKey.get("sync.readyBacklog").contains("remove sync.readyBacklog"), byKey.toString());

        MigrationConfig config = load("""
                source: {addr: "127.0.0.1:1"}
                target: {seed: "127.0.0.1:2"}
                sync: {readyLag: 250ms}
                """, Map.of());
        assertEquals(java.time.Duration.ofMillis(250), config.sync().readyLag());
        assertEquals(java.time.Duration.ofSeconds(3), config.sync().readyFor(), "the default hold");
        assertEquals(java.time.Duration.ofMinutes(2), config.migrate().cutover().drainWait(), "the default burst wait");
    }

    @Test
    void environmentVariablesThatNameNoSettingAreFound() {
        assertEquals(List.of("DF2REDIS_SOURCE_PASSWROD", "DF2REDIS_TARGETT_SEED"), MigrationConfigLoader.unknownVariables(Map.of(
                "DF2REDIS_SOURCE_PASSWROD", "x", "DF2REDIS_SOURCE_PASSWORD", "y", "DF2REDIS_TARGETT_SEED", "h:1",
                "DF2REDIS_CONFIG", "migrate.yaml", "DF2REDIS_MIGRATE_CUTOVER_BATCHES_0__PERCENTAGE", "5",
                "DF2REDIS_PROXY_ENV_TZ", "UTC", "DF2REDIS_PROXY_MIRRORWRITES", "true", "PATH", "/bin")));
    }

    @Test
    void rdbImportersNeedASnapshotPath() throws IOException {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> load("""
                source: {addr: "127.0.0.1:1"}
                target: {seed: "127.0.0.1:2"}
                migrate: {importer: rdb-cli}
                """, Map.of()));
        List<String> keys = e.problems().stream().map(ConfigProblem::key).toList();
        assertEquals(List.of("migrate.snapshotPath", "migrate.rdbToolBinary"), keys);
    }

    @Test
    void problemMessagesNeverShowSecrets() throws IOException {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> load("""
                source: {addr: "127.0.0.1:1", password: "hunter2-very-secret"}
                target: {seed: "nonsense", password: "hunter2-very-secret"}
                """, Map.of()));
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }

    @Test
    void everyKeyOfTheMappingIsInTheSample() throws IOException {
        String sample = Files.readString(Path.of("examples/migrate.sample.yaml"));
        for (String pattern : KnownKeys.patterns()) {
            String leaf = pattern.replace("[*]", "").replace(".*", "");
            leaf = leaf.substring(leaf.lastIndexOf('.') + 1);
            assertTrue(sample.contains(leaf + ":"), "examples/migrate.sample.yaml does not document " + pattern);
        }
    }

    private MigrationConfig load(String yaml, Map<String, String> env) throws IOException {
        Path file = dir.resolve("migrate.yaml");
        Files.writeString(file, yaml);
        return MigrationConfigLoader.load(file, env);
    }

    /** Each problem's message by its key (two problems of one key joined with " | "). */
    private static Map<String, String> byKey(InvalidConfigException e) {
        return e.problems().stream().collect(Collectors.toMap(ConfigProblem::key, ConfigProblem::message, (a, b) -> a + " | " + b));
    }
}
