package io.df2redis.proxy;

import io.df2redis.testing.RecordingSubscriber;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.df2redis.local.LocalRedis;
import io.df2redis.testing.LocalRedisCluster;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Blocking commands, pub/sub, a transaction and a script when the write flip moves the primary from a
 * standalone source to a 3-master Redis Cluster target, through the real proxy, with Jedis's defaults.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ProxyLinksOnClusterTest {

    @TempDir
    Path home;

    /**
     * Steps: a subscriber and a pop blocked for ever (on a key whose slot is not on the first node)
     * before the flip; the flip to the cluster; a push and a publish through the proxy afterwards. The
     * pop is released by the fence and sent again to the cluster, where the node that owns the key
     * serves it (after a MOVED); the subscriber, moved onto the cluster, receives the message.
     */
    @Test
    void aBlockedPopAndASubscriberFollowTheFlipOntoACluster() throws Exception {
        try (LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
                LocalRedisCluster cluster = LocalRedisCluster.start(home, 3)) {
            String dualWrite = "{\"type\":\"simple\",\"operation\":{\"type\":\"rw_separate\",\"read\":\"redis://@" + source.address()
                    + "\",\"write\":{\"type\":\"multi\",\"resources\":[\"redis://@" + source.address() + "\",\"redis-cluster://@"
                    + cluster.seeds() + "\"]}}}";
            String flipped = "{\"type\":\"simple\",\"operation\":{\"type\":\"rw_separate\",\"read\":\"redis-cluster://@" + cluster.seeds()
                    + "\",\"write\":{\"type\":\"multi\",\"resources\":[\"redis-cluster://@" + cluster.seeds() + "\",\"redis://@"
                    + source.address() + "\"]}}}";
            String key = keyNotOnTheFirstNode(cluster);
            try (ProxyJarUnderTest proxy = ProxyJarUnderTest.start(home, dualWrite, "cluster-links", "192m");
                    Jedis consumer = new Jedis("127.0.0.1", proxy.port);
                    Jedis subscriberConnection = new Jedis("127.0.0.1", proxy.port);
                    Jedis app = new Jedis("127.0.0.1", proxy.port)) {
                RecordingSubscriber listener = new RecordingSubscriber();
                Thread subscriber = new Thread(() -> subscriberConnection.subscribe(listener, "cnews"));
                subscriber.start();
                assertTrue(listener.awaitSubscribed(10));
                assertEquals(1L, app.publish("cnews", "before"));
                assertEquals("before", listener.next(5000));

                List<String>[] popped = new List[1];
                Thread blocked = new Thread(() -> popped[0] = consumer.blpop(0, key));
                blocked.start();
                Thread.sleep(300);

                proxy.flip(flipped, () -> { });
                assertEquals(null, popped[0], "released by the fence, still waiting");
                app.rpush(key, "on-the-cluster");
                blocked.join(10_000);
                assertEquals(List.of(key, "on-the-cluster"), popped[0], "served by the cluster node that owns the key");
                assertEquals(0L, cluster.ownerOf(key).command("EXISTS", key), "popped on the cluster");

                assertEquals(1L, app.publish("cnews", "after"), "the subscriber is on the cluster now");
                assertEquals("after", listener.next(5000));
                JedisDataException sharded = org.junit.jupiter.api.Assertions.assertThrows(JedisDataException.class,
                        () -> app.sendCommand(redis.clients.jedis.Protocol.Command.SSUBSCRIBE, "shard"));
                assertTrue(sharded.getMessage().contains("SSUBSCRIBE refused"), sharded.getMessage());

                // a transaction and a script keep their meaning on the cluster primary (keys of one slot, as a cluster requires)
                redis.clients.jedis.Transaction multi = app.multi();
                multi.set("{acct}:a", "1");
                multi.incr("{acct}:b");
                assertEquals(List.of("OK", 1L), multi.exec());
                LocalRedis owner = cluster.ownerOf("{acct}:a");
                assertEquals("1", owner.command("GET", "{acct}:a"));
                assertEquals("1", owner.command("GET", "{acct}:b"));
                String sha = app.scriptLoad("return redis.call('INCRBY', KEYS[1], ARGV[1])");
                assertEquals(5L, app.evalsha(sha, List.of("{acct}:c"), List.of("5")));
                assertEquals("5", cluster.ownerOf("{acct}:c").command("GET", "{acct}:c"));

                listener.unsubscribe();
                subscriber.join(10_000);
            }
        }
    }

    private static String keyNotOnTheFirstNode(LocalRedisCluster cluster) throws Exception {
        for (int i = 0; ; i++) {
            String key = "cq:" + i;
            if (cluster.ownerOf(key).port() != cluster.nodes().get(0).port()) {
                assertNotEquals(cluster.nodes().get(0).port(), cluster.ownerOf(key).port());
                return key;
            }
        }
    }
}
