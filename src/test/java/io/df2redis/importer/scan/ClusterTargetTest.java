package io.df2redis.importer.scan;

import io.df2redis.contract.cluster.HashSlot;
import io.df2redis.contract.resp.RespConnection;
import io.df2redis.copy.TargetWriter;
import io.df2redis.copy.TargetWriterTest;
import io.df2redis.importer.ImportResult;
import io.df2redis.importer.ImporterFixture;
import io.df2redis.importer.Keyspace;
import io.df2redis.importer.TestData;
import io.df2redis.importer.TestStageContext;
import io.df2redis.local.LocalRedis;
import io.df2redis.resp.RedisSide;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The scan importer into a 3-master Redis Cluster ({@code redis-server --cluster-enabled yes} x3 joined by
 * {@code redis-cli --cluster create}), with slots moving while it runs.
 */
class ClusterTargetTest extends ImporterFixture {

    private static final List<LocalRedis> nodes = new ArrayList<>();
    private static final Map<String, RedisSide> nodeSides = new ConcurrentHashMap<>();
    private static RedisSide cluster;
    private static io.df2redis.testing.LocalRedisCluster localCluster;

    @BeforeAll
    static void startCluster() throws Exception {
        assumeTrue(LocalRedis.onPath("redis-cli"), "redis-cli is needed to create the test cluster");
        localCluster = io.df2redis.testing.LocalRedisCluster.start(home, 3);
        nodes.addAll(localCluster.nodes());
        cluster = side("target", String.join(",", nodes.stream().map(LocalRedis::address).toList()), true);
    }

    @AfterAll
    static void stopCluster() {
        nodeSides.values().forEach(RedisSide::close);
        if (cluster != null) {
            cluster.close();
        }
        if (localCluster != null) {
            localCluster.close();
        }
    }

    /**
     * Steps: 600 mixed keys, two big keys and two families of keys on chosen slots in the source; the
     * writer reads the slot map; then slot A starts migrating (MIGRATING/IMPORTING: the owner answers ASK)
     * and slot M changes owner (SETSLOT NODE: the old owner answers MOVED); the import runs; slot A's
     * migration is finished. Every key is on the target, exactly, and ASK and MOVED were met.
     */
    @Test
    void copiesIntoAClusterWhileSlotsMove() throws Exception {
        Random random = new Random(41);
        try (RespConnection client = sourceClient()) {
            TestData.load(client, 0, "c", 600, 42);
            client.pipeline(TargetWriterTest.bigValue("hash", "{big}:hash".getBytes(StandardCharsets.UTF_8), random));
            client.pipeline(TargetWriterTest.bigValue("list", "big:list".getBytes(StandardCharsets.UTF_8), random));
            List<Object[]> family = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                family.add(new Object[] {"SET", "{ask}:" + i, "a" + i});
                family.add(new Object[] {"HSET", "{moved}:" + i, "f", "m" + i});
                family.add(new Object[] {"PEXPIRE", "{moved}:" + i, 500_000});
            }
            client.pipeline(family);
        }
        TargetWriter writer = new TargetWriter(source, cluster, ClusterTargetTest::nodeSide,
                writerSettings().withBigKeys(true, 2048, 50, 1000).clusterTarget());
        ImporterFixture.await(writer.open());

        int askSlot = HashSlot.of("{ask}".getBytes(StandardCharsets.UTF_8));
        LocalRedis askFrom = owner(askSlot);
        LocalRedis askTo = other(askFrom);
        askTo.command("CLUSTER", "SETSLOT", String.valueOf(askSlot), "IMPORTING", id(askFrom));
        askFrom.command("CLUSTER", "SETSLOT", String.valueOf(askSlot), "MIGRATING", id(askTo));
        int movedSlot = HashSlot.of("{moved}".getBytes(StandardCharsets.UTF_8));
        LocalRedis movedFrom = owner(movedSlot);
        LocalRedis movedTo = other(movedFrom);
        AtomicBoolean slotMoved = new AtomicBoolean();
        // After the importer has read the slot map, before the first keys are read: its map is stale from then on.
        ScanImporter importer = new ScanImporter(() -> source, scanSettings(3)).afterScan(keys -> slotMoved.getAndSet(true)
                ? Uni.createFrom().voidItem()
                : Uni.createFrom().item(() -> assignSlot(movedSlot, movedTo))
                        .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                        .replaceWithVoid());

        ImportResult result = ImporterFixture.await(importer.run(new TestStageContext(), writer));
        assignSlot(askSlot, askTo);

        Keyspace.assertExactCopy(Keyspace.read(sourceServer.port(), 0), Keyspace.readAll(nodes.stream().map(LocalRedis::port).toList()));
        assertEquals(600 + 2 + 80, result.copied());
        assertEquals(2, result.bigKeys());
        assertEquals(40L, askTo.command("CLUSTER", "COUNTKEYSINSLOT", String.valueOf(askSlot)));
        assertEquals(40L, movedTo.command("CLUSTER", "COUNTKEYSINSLOT", String.valueOf(movedSlot)));
        assertTrue(info(askFrom, "INFO", "errorstats").contains("errorstat_ASK:count="), "no ASK met");
        assertTrue(info(movedFrom, "INFO", "errorstats").contains("errorstat_MOVED:count="), "no MOVED met");
    }

    @Test
    void refusesSeveralSourceDatabasesForAClusterTarget() throws Exception {
        sourceServer.command("SET", "in-0", "x");
        sourceServer.pipeline(List.of(List.of("SELECT", "4"), List.of("SET", "in-4", "y")));
        TargetWriter writer = new TargetWriter(source, cluster, ClusterTargetTest::nodeSide, writerSettings().clusterTarget());

        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> ImporterFixture.await(new ScanImporter(() -> source, scanSettings(1)).run(new TestStageContext(), writer)));

        assertTrue(refused.getMessage().contains("only database 0: set source.db"), refused.getMessage());
    }

    /** Steps: a key in db 0 and one in db 2 on the source; the precheck against the cluster target fails, naming db2 and what to do. */
    @Test
    void precheckRefusesASourceWithKeysOutsideDatabaseZeroForAClusterTarget() throws Exception {
        sourceServer.command("SET", "in-0", "x");
        sourceServer.pipeline(List.of(List.of("SELECT", "2"), List.of("SET", "in-2", "y")));
        Path file = home.resolve("precheck.yaml");
        Files.writeString(file, "source: {type: redis, addr: \"" + sourceServer.address() + "\"}\n"
                + "target: {type: redis-cluster, seed: \"" + String.join(",", nodes.stream().map(LocalRedis::address).toList()) + "\"}\n"
                + "stateDir: precheck-state\nmigrate: {mode: snapshot, targetNonEmpty: allow}\n");
        io.df2redis.config.MigrationConfig config = io.df2redis.config.MigrationConfigLoader.load(file, Map.of());
        io.vertx.mutiny.core.Vertx vertx = io.vertx.mutiny.core.Vertx.vertx();
        try (io.df2redis.state.StatusStore store = io.df2redis.state.StatusStore.open(home.resolve("precheck-status.json"))) {
            io.df2redis.migration.engine.StageResult result = new io.df2redis.migration.stage.PrecheckStage(
                    new io.df2redis.resp.RedisEndpoints(vertx, config), config, new io.df2redis.migration.scripts.UndeclaredKeys(store))
                    .run(new TestStageContext())
                    .await().atMost(Duration.ofSeconds(30));
            assertEquals(io.df2redis.state.StageStatus.FAILED, result.status(), result.message());
            assertTrue(result.message().contains("keys outside database 0 (db2: 1 keys)")
                    && result.message().contains("move them to database 0"), result.message());
        } finally {
            vertx.closeAndAwait();
        }
    }

    private static RedisSide nodeSide(String address) {
        return nodeSides.computeIfAbsent(address, a -> side("target", a, false));
    }

    /** Gives an empty slot to {@code owner} on every node, the new owner first. */
    private static boolean assignSlot(int slot, LocalRedis owner) {
        try {
            assignSlotOrFail(slot, owner);
            return true;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void assignSlotOrFail(int slot, LocalRedis owner) throws IOException {
        String id = id(owner);
        owner.command("CLUSTER", "SETSLOT", String.valueOf(slot), "NODE", id);
        for (LocalRedis node : nodes) {
            if (node != owner) {
                Object reply = node.command("CLUSTER", "SETSLOT", String.valueOf(slot), "NODE", id);
                assertEquals("OK", reply, "SETSLOT on " + node.address());
            }
        }
    }

    private static LocalRedis owner(int slot) throws IOException {
        for (Object range : (List<?>) nodes.get(0).command("CLUSTER", "SLOTS")) {
            List<?> fields = (List<?>) range;
            if ((Long) fields.get(0) <= slot && slot <= (Long) fields.get(1)) {
                long port = (Long) ((List<?>) fields.get(2)).get(1);
                return nodes.stream().filter(node -> node.port() == port).findFirst().orElseThrow();
            }
        }
        throw new IllegalStateException("no owner of slot " + slot);
    }

    private static LocalRedis other(LocalRedis node) {
        return nodes.get((nodes.indexOf(node) + 1) % nodes.size());
    }

    private static String id(LocalRedis node) throws IOException {
        return String.valueOf(node.command("CLUSTER", "MYID"));
    }

    private static String info(LocalRedis node, String... command) {
        try {
            return String.valueOf(node.command(command));
        } catch (IOException e) {
            return "";
        }
    }
}
