package io.df2redis.contract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.df2redis.contract.cluster.ClusterNodes;
import io.df2redis.contract.cluster.HashSlot;
import io.df2redis.contract.console.ConsoleError;
import io.df2redis.contract.console.ConsoleJson;
import io.df2redis.contract.console.FenceState;
import io.df2redis.contract.console.ProxyStatus;
import io.df2redis.contract.console.ReadsState;
import io.df2redis.contract.console.RouteState;
import io.df2redis.contract.console.ScriptBodies;
import io.df2redis.contract.console.ScriptFigures;
import io.df2redis.contract.hook.HookInfo;
import io.df2redis.contract.journal.JournalRecordWriter;
import io.df2redis.contract.journal.JournalSegments;
import io.df2redis.local.LocalRedis;
import io.df2redis.migration.journal.JournalReader;
import io.df2redis.state.StatusJson;
import io.df2redis.testing.LocalRedisCluster;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract seen from the service: what the proxy plugin writes with the contract (journal records, hook.json)
 * is what the service reads, with the service's own reader and Jackson configuration; CLUSTER NODES of a live
 * three-master cluster maps every slot to the master Redis itself names.
 */
class ContractSidesTest {

    @Test
    void theServiceReaderTakesThePluginsRecordsAndStopsAtATornTail(@TempDir Path wal) throws Exception {
        JournalRecordWriter plugin = new JournalRecordWriter();
        byte[] binary = {0, (byte) 0xfe, ' '};
        plugin.intent(1, 1000, 0, "SET", new byte[][] {bytes("a")});
        plugin.intent(2, 1001, 2, "MSET", new byte[][] {bytes("b"), binary});
        plugin.commit(3, 1002, 2, true);
        plugin.commit(4, 1003, 1, false);
        plugin.intent(5, 1004, 0, "SET", new byte[][] {bytes("after-the-tear")});
        ByteBuffer records = plugin.asBuffer();
        String text = new String(records.array(), 0, records.remaining(), StandardCharsets.US_ASCII);
        String torn = text.substring(0, text.lastIndexOf("I 5") + "I 5 10".length());
        Files.writeString(wal.resolve(JournalSegments.name(1)), torn, StandardCharsets.US_ASCII);

        JournalReader reader = new JournalReader(wal);
        JournalReader.Batch batch = reader.next(0, 100, Long.MAX_VALUE, 2000, 0);

        assertEquals(2, batch.intents(), "both answered intents, nothing past the torn record");
        assertEquals(4, batch.lastSeq());
        assertEquals(1000, batch.oldestMillis());
        assertEquals(List.of(0, 2, 2), batch.keys().stream().map(JournalReader.DirtyKey::db).toList());
        assertArrayEquals(bytes("a"), batch.keys().get(0).key());
        assertArrayEquals(binary, batch.keys().get(2).key());
        assertEquals(4, reader.head(), "the head is the last whole record");
    }

    @Test
    void hookJsonRoundTripsBetweenTheServicesAndThePluginsJackson() throws Exception {
        HookInfo hook = new HookInfo(true, "sha", "return redis.call('SET', KEYS[1], ARGV[1])\n", "m:%s", "t0", "/wal", "127.0.0.1",
                7001, "user", "pa\"ss", true);
        assertEquals(hook, HookInfo.read(StatusJson.MAPPER.writeValueAsString(hook)), "service writes, plugin reads");
        assertEquals(hook, StatusJson.MAPPER.readValue(hook.toJson(), HookInfo.class), "plugin writes, service reads");
    }

    @Test
    void clusterNodesOfALiveClusterMapSlotsAsRedisDoes(@TempDir Path home) throws Exception {
        assumeTrue(LocalRedis.available(), "redis-server is not installed");
        try (LocalRedisCluster cluster = LocalRedisCluster.start(home, 3)) {
            ClusterNodes nodes = ClusterNodes.parse(String.valueOf(cluster.nodes().get(0).command("CLUSTER", "NODES")));

            assertEquals(cluster.nodes().stream().map(LocalRedis::address).sorted().toList(), nodes.masters().stream().sorted().toList());
            for (String key : List.of("a", "foo", "{user1000}.following", "df2redis")) {
                long slot = (Long) cluster.nodes().get(0).command("CLUSTER", "KEYSLOT", key);
                assertEquals(slot, HashSlot.of(bytes(key)), key);
                assertEquals(cluster.ownerOf(key).address(), nodes.owner((int) slot), key);
            }
        }
    }

    @Test
    void theSettingsTemplateUsesOnlyTheContractsKeys() throws Exception {
        java.util.Set<Object> keys = new java.util.HashSet<>();
        for (java.lang.reflect.Field field : io.df2redis.contract.settings.ProxySettingKeys.class.getFields()) {
            keys.add(field.get(null));
        }
        for (String line : Files.readAllLines(Path.of("assets/camellia/proxy.properties.tmpl"))) {
            if (!line.isBlank() && !line.startsWith("#")) {
                String key = line.substring(0, line.indexOf('='));
                assertTrue(keys.contains(key), key + " is not a key of ProxySettingKeys: the plugin would not read it");
            }
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void consoleAnswersThePluginWritesAreTheRecordsTheServiceReads() throws Exception {
        ProxyStatus status = new ProxyStatus(3, "ALL_RESOURCES_NO_CHECK", ConsoleJson.tree("{\"type\":\"simple\"}"),
                new ProxyStatus.Fence(true, "hold", 2, 1), 4, new ProxyStatus.Journal(10, 2, 8, 7, 0, 1, "00000000000000000001.journal"),
                new ProxyStatus.MetaCas(true, 5, 0, 1), new ReadsState(9, 1, false, true),
                new ScriptFigures(1000, 1, 20, 3, 1, 0, 0, 0, ""), java.util.Map.of("keys", 2L));
        String wire = ConsoleJson.write(status);

        assertEquals(status, StatusJson.MAPPER.readValue(wire, ProxyStatus.class));
        assertTrue(wire.contains("\"routeVersion\":3") && wire.contains("\"inflight\":4") && wire.contains("\"startHead\":2")
                && wire.contains("\"unmirrorable\":{\"keys\":2}"), wire);
        FenceState fence = new FenceState(false, "reject", 0, 10);
        assertEquals(fence, StatusJson.MAPPER.readValue(ConsoleJson.write(fence), FenceState.class));
        assertTrue(ConsoleJson.write(fence).contains("\"journalHead\":10"));
        RouteState bareUrl = new RouteState(1, ConsoleJson.text("redis://******@h:1"));
        assertEquals(bareUrl, StatusJson.MAPPER.readValue(ConsoleJson.write(bareUrl), RouteState.class));
        ScriptBodies scripts = new ScriptBodies(status.scripts(), List.of(bytes("return 1"), new byte[] {0, (byte) 0xff}));
        ScriptBodies read = StatusJson.MAPPER.readValue(ConsoleJson.write(scripts), ScriptBodies.class);
        assertArrayEquals(scripts.bodies().get(1), read.bodies().get(1), "script bodies travel as base64");
        assertEquals("no route", StatusJson.MAPPER.readValue(ConsoleJson.write(new ConsoleError("no route")), ConsoleError.class).error());
    }
}
