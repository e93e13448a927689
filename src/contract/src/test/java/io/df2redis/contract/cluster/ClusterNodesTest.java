package io.df2redis.contract.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

/** CLUSTER NODES as Redis 7 prints it (a live three-master cluster is read in the service's ContractSidesTest). */
class ClusterNodesTest {

    private static final String REPLY = String.join("\n",
            "a1 127.0.0.1:7001@17001 myself,master - 0 0 1 connected 0-5460",
            "b2 127.0.0.1:7002@17002,node-b master - 0 1700000000000 2 connected 5461-10922 [10923->-c3]",
            "c3 127.0.0.1:7003@17003 master - 0 1700000000000 3 connected 10923-16382",
            "d4 127.0.0.1:7004@17004 slave a1 0 1700000000000 1 connected",
            "e5 127.0.0.1:7005@17005 master,fail - 0 1700000000000 5 disconnected 16383",
            "f6 :0@0 master,noaddr - 0 0 6 disconnected",
            "");

    @Test
    void listsTheServingMastersWithoutTheirBusPorts() {
        assertEquals(List.of("127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003"), ClusterNodes.masters(REPLY));
    }

    @Test
    void mapsEachSlotToItsServingMaster() {
        ClusterNodes nodes = ClusterNodes.parse(REPLY.replace("\n", "\r\n"));
        assertEquals("127.0.0.1:7001", nodes.owner(0));
        assertEquals("127.0.0.1:7001", nodes.owner(5460));
        assertEquals("127.0.0.1:7002", nodes.owner(10922));
        assertEquals("127.0.0.1:7003", nodes.owner(10923), "a migration mark does not move the slot");
        assertNull(nodes.owner(16383), "a failing master serves nothing");
        assertEquals("127.0.0.1:7003", nodes.owner(HashSlot.of("foo".getBytes(java.nio.charset.StandardCharsets.UTF_8))),
                "foo hashes to slot 12182");
    }
}
