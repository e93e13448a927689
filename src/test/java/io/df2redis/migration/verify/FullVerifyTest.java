package io.df2redis.migration.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationConfigLoader;
import io.df2redis.config.MigrationPaths;
import io.df2redis.contract.cluster.HashSlot;
import io.df2redis.local.LocalRedis;
import io.df2redis.state.EventHub;
import io.df2redis.migration.journal.JournalDrain;
import io.df2redis.resp.RedisEndpoints;
import io.df2redis.state.StatusStore;
import io.df2redis.testing.LocalRedisCluster;
import io.vertx.mutiny.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full verify pass (pipelined reads on lean connections, both directions) finds each kind of difference
 * among thousands of equal keys, on a standalone and on a 3-master cluster target. With {@code verify.rounds: 1}
 * every real difference is reported as a mismatch with its reason, unrepaired, so each one is visible.
 */
class FullVerifyTest {

    private static final int KEYS = 3000;

    @TempDir
    Path home;

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() {
        vertx.closeAndAwait();
    }

    /**
     * Steps: 3,000 equal keys of every type (the sets' DUMP payloads differ between the two servers, their
     * values do not) on a standalone source and target; then one key with another value on the target, one
     * missing there, one only there, one with another TTL; a full pass finds exactly those four.
     */
    @Test
    void aFullPassFindsAWrongValueAMissingKeyAnExtraKeyAndAWrongTtlOnAStandaloneTarget() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty())) {
            source.pipeline(dataset());
            target.pipeline(dataset());
            target.pipeline(differences());

            Map<String, String> found = fullPass(source, "{seed: \"" + target.address() + "\"}");

            assertFourDifferences(found);
        }
    }

    /** The same on a Redis Cluster target of three masters, each key written to the master that owns its slot. */
    @Test
    void aFullPassFindsAWrongValueAMissingKeyAnExtraKeyAndAWrongTtlOnAClusterTarget() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedisCluster cluster = LocalRedisCluster.start(home.resolve("cluster"), 3)) {
            source.pipeline(dataset());
            Function<String, LocalRedis> owner = owners(cluster);
            for (List<List<String>> commands : byOwner(dataset(), owner).values()) {
                owner.apply(commands.get(0).get(1)).pipeline(commands);
            }
            for (List<List<String>> commands : byOwner(differences(), owner).values()) {
                owner.apply(commands.get(0).get(1)).pipeline(commands);
            }

            Map<String, String> found = fullPass(source, "{type: redis-cluster, seed: \"" + cluster.seeds() + "\"}");

            assertFourDifferences(found);
        }
    }

    /**
     * Steps: the same hashes, lists, sets and sorted sets on both sides, the target encoding its collections
     * otherwise (hash tables, skip lists, one list element per node), so that their DUMP payloads differ and
     * they are compared by value; one key of each type with another value on the target (a changed field,
     * a reordered list, a member replaced, another score); a full pass finds exactly those four, as different values,
     * with pipelined lean reads (HGETALL, not the general client's HKEYS and HMGET).
     */
    @Test
    void byValueComparisonsFindADifferentHashListSetAndSortedSetAndPassEqualOnesWhosePayloadsDiffer() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
             LocalRedis target = LocalRedis.start(home.resolve("target"), Optional.empty(), "--hash-max-listpack-entries", "0",
                     "--zset-max-listpack-entries", "0", "--list-max-listpack-size", "1")) {
            List<List<String>> collections = dataset().stream().filter(c -> !c.get(0).equals("SET") && !c.get(0).equals("PEXPIRE")).toList();
            source.pipeline(collections);
            target.pipeline(collections);
            // The target's settings make the hash, list and sorted set payloads differ; a set of strings is a hash
            // table on both, whose member order (and so its payload) differs between two servers only by chance.
            for (String key : List.of("k:1", "k:2", "k:4")) {
                assertTrue(!source.command("DUMP", key).equals(target.command("DUMP", key)), key + " has the same payload on both sides");
            }
            target.pipeline(List.of(List.of("HSET", "k:1", "b", "other"), List.of("LSET", "k:2", "0", "c2"), List.of("LSET", "k:2", "2", "a2"),
                    List.of("SREM", "k:3", "m3"), List.of("SADD", "k:3", "z3"), List.of("ZADD", "k:4", "3", "b4")));

            Map<String, String> found = fullPass(source, "{seed: \"" + target.address() + "\"}", collections.stream()
                    .map(c -> c.get(1)).distinct().count(), 4);

            assertEquals(List.of("k:1", "k:2", "k:3", "k:4"), List.copyOf(found.keySet()), found.toString());
            found.values().forEach(reason -> assertTrue(reason.startsWith("different value"), found.toString()));
            String commands = String.valueOf(target.command("INFO", "commandstats"));
            assertTrue(commands.contains("cmdstat_hgetall") && !commands.contains("cmdstat_hkeys"),
                    "hashes read whole on the lean connections, not field by field on the general client: " + commands);
        }
    }

    private static void assertFourDifferences(Map<String, String> found) {
        assertEquals(4, found.size(), found.toString());
        assertTrue(found.get("k:10").startsWith("different value"), found.toString());
        assertTrue(found.get("k:20").startsWith("only on the source"), found.toString());
        assertTrue(found.get("extra").startsWith("only on the target"), found.toString());
        assertTrue(found.get("k:30").startsWith("different TTL"), found.toString());
    }

    /** Strings, hashes, lists, sets of strings and sorted sets; every fifth key with a TTL of an hour. */
    private static List<List<String>> dataset() {
        List<List<String>> commands = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            String key = "k:" + i;
            switch (i % 5) {
                case 0 -> commands.add(List.of("SET", key, "value-" + i));
                case 1 -> commands.add(List.of("HSET", key, "a", "x" + i, "b", "y" + i));
                case 2 -> commands.add(List.of("RPUSH", key, "a" + i, "b" + i, "c" + i));
                case 3 -> commands.add(List.of("SADD", key, "m" + i, "n" + i, "o" + i, "p" + i, "q" + i));
                default -> commands.add(List.of("ZADD", key, "1", "a" + i, "2.5", "b" + i));
            }
            if (i % 5 == 0 && i % 10 == 0) {
                commands.add(List.of("PEXPIRE", key, "3600000"));
            }
        }
        return commands;
    }

    /** On the target: k:10 another value, k:20 gone, "extra" only there, k:30 (an hour's TTL) without its TTL. */
    private static List<List<String>> differences() {
        return List.of(List.of("SET", "k:10", "wrong", "KEEPTTL"), List.of("DEL", "k:20"), List.of("SET", "extra", "x"),
                List.of("PERSIST", "k:30"));
    }

    /** The reason of each mismatch the pass wrote, by key. */
    private Map<String, String> fullPass(LocalRedis source, String target) throws Exception {
        return fullPass(source, target, KEYS, 4);
    }

    private Map<String, String> fullPass(LocalRedis source, String target, long keys, int mismatches) throws Exception {
        Files.createDirectories(home.resolve("state/wal"));
        Path file = home.resolve("migrate.yaml");
        Files.writeString(file, """
                source: {type: redis, addr: "%s"}
                target: %s
                stateDir: state
                verify: {mode: full, rounds: 1, recheckTimeout: 5s}
                """.formatted(source.address(), target));
        MigrationConfig config = MigrationConfigLoader.load(file, Map.of());
        MigrationPaths paths = new MigrationPaths(home, home.resolve("state"), home.resolve("state/status.json"), home.resolve("state/wal"));
        StatusStore store = StatusStore.open(paths.statusFile());
        RedisEndpoints redis = new RedisEndpoints(vertx, config);
        JournalDrain drain = new JournalDrain(config, paths, redis, store, new EventHub(store, 50));
        Verifier verifier = new Verifier(config, paths, redis, drain, store);
        try {
            drain.ensureRunning(0).await().atMost(Duration.ofSeconds(10));
            Verifier.Report report = verifier.scanPass(1.0, r -> { }).await().atMost(Duration.ofSeconds(60));
            assertEquals(keys, report.checked, "every source key compared once: " + report.summary());
            assertEquals(mismatches, report.mismatched, report.summary());
        } finally {
            drain.stop().await().atMost(Duration.ofSeconds(30));
            store.close();
        }
        Map<String, String> reasons = new TreeMap<>();
        for (String line : Files.readAllLines(home.resolve("state/mismatches.jsonl"))) {
            var entry = io.df2redis.state.StatusJson.MAPPER.readTree(line);
            reasons.put(entry.path("key").asText(), entry.path("reason").asText());
        }
        return reasons;
    }

    /** The master that owns each key's slot, from one CLUSTER SLOTS. */
    private static Function<String, LocalRedis> owners(LocalRedisCluster cluster) throws Exception {
        LocalRedis[] bySlot = new LocalRedis[HashSlot.SLOTS];
        for (Object range : (List<?>) cluster.nodes().get(0).command("CLUSTER", "SLOTS")) {
            List<?> fields = (List<?>) range;
            long port = (Long) ((List<?>) fields.get(2)).get(1);
            LocalRedis node = cluster.nodes().stream().filter(n -> n.port() == port).findFirst().orElseThrow();
            for (long slot = (Long) fields.get(0); slot <= (Long) fields.get(1); slot++) {
                bySlot[(int) slot] = node;
            }
        }
        return key -> bySlot[HashSlot.of(key.getBytes(StandardCharsets.UTF_8))];
    }

    private static Map<Integer, List<List<String>>> byOwner(List<List<String>> commands, Function<String, LocalRedis> owner) {
        Map<Integer, List<List<String>>> grouped = new LinkedHashMap<>();
        for (List<String> command : commands) {
            grouped.computeIfAbsent(owner.apply(command.get(1)).port(), p -> new ArrayList<>()).add(command);
        }
        return grouped;
    }
}
