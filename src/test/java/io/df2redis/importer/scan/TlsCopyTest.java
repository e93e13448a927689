package io.df2redis.importer.scan;

import io.df2redis.config.MigrationConfig.ConflictPolicy;
import io.df2redis.config.MigrationConfig.DumpCompression;
import io.df2redis.contract.resp.RespClient;
import io.df2redis.contract.resp.RespConnection;
import io.df2redis.copy.TargetWriter;
import io.df2redis.copy.WriterSettings;
import io.df2redis.importer.ImportResult;
import io.df2redis.importer.Keyspace;
import io.df2redis.importer.TestData;
import io.df2redis.importer.TestStageContext;
import io.df2redis.local.LocalRedis;
import io.df2redis.migration.stage.OwnKeys;
import io.df2redis.resp.RedisEndpoint;
import io.df2redis.resp.RedisSide;
import io.df2redis.testing.TempDirs;
import io.df2redis.testing.TlsCertificates;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A scan import whose source and target are reached only through their TLS ports (real redis-servers with
 * a self-signed certificate that the JVM trusts through {@code javax.net.ssl.trustStore}, as an operator
 * would set it in {@code JAVA_OPTS}): the general client, the lean pipelined connections and the
 * by-value path all speak TLS.
 */
class TlsCopyTest {

    private static Path home;
    private static LocalRedis sourceServer;
    private static LocalRedis targetServer;
    private static int sourceTlsPort;
    private static int targetTlsPort;
    private static Vertx vertx;

    @BeforeAll
    static void startTlsServers() throws Exception {
        home = Files.createTempDirectory("df2redis-tls-");
        TlsCertificates.selfSigned(home);
        TlsCertificates.trustStore(home);
        // Read by the JDK when the first TLS context is made: this class runs in a JVM of its own.
        System.setProperty("javax.net.ssl.trustStore", home.resolve("trust.p12").toString());
        System.setProperty("javax.net.ssl.trustStorePassword", "changeit");
        System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
        sourceTlsPort = LocalRedis.freePort();
        sourceServer = LocalRedis.start(home.resolve("source"), Optional.empty(), tlsArgs(sourceTlsPort));
        targetTlsPort = LocalRedis.freePort();
        targetServer = LocalRedis.start(home.resolve("target"), Optional.empty(), tlsArgs(targetTlsPort));
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopServers() throws IOException {
        if (vertx != null) {
            vertx.closeAndAwait();
        }
        if (sourceServer != null) {
            sourceServer.close();
        }
        if (targetServer != null) {
            targetServer.close();
        }
        TempDirs.delete(home);
    }

    @Test
    void copiesEveryTypeOverTlsOnlyConnections() throws Exception {
        try (RespConnection client = RespClient.connect(sourceServer.port())) {
            TestData.load(client, 0, "tls", 1_500, 51);
            client.ok("HSET", "big-hash", "f1", "v1", "f2", "v2", "f3", "v3");
        }
        try (RedisSide source = side("source", sourceTlsPort); RedisSide target = side("target", targetTlsPort)) {
            // A 64-byte big-key threshold sends most values down the by-value path too, over its own TLS connections.
            WriterSettings settings = new WriterSettings(64, ConflictPolicy.REPLACE, true, 64, 512, 1 << 20, false,
                    Duration.ofSeconds(10));
            TargetWriter writer = new TargetWriter(source, target, address -> {
                throw new IllegalStateException("standalone target");
            }, settings);
            ScanSettings scan = new ScanSettings(500, 2, 1, 0, 0, Optional.empty(),
                    new OwnKeys("MIGRATE_BASE_TS", "MIGRATE_FENCE", "meta:{%s}"), home.resolve("failures.jsonl"), DumpCompression.KEEP);

            ImportResult result = new ScanImporter(() -> source, scan).run(new TestStageContext(), writer)
                    .await().atMost(Duration.ofSeconds(60));

            assertEquals(1_501, result.copied());
            assertTrue(result.bigKeys() > 0, "keys copied by value: " + result.bigKeys());
        }
        Keyspace.assertExactCopy(Keyspace.read(sourceServer.port(), 0), Keyspace.read(targetServer.port(), 0));
    }

    @Test
    void aPlainConnectionToATlsPortFailsWithTheAddressNamed() {
        try (RedisSide plain = new RedisSide(vertx, new RedisEndpoint("source", List.of("127.0.0.1:" + sourceTlsPort),
                Optional.empty(), Optional.empty(), false, false), Duration.ofSeconds(2), 2)) {
            RuntimeException failure = assertThrows(RuntimeException.class,
                    () -> plain.send(Command.PING).await().atMost(Duration.ofSeconds(60)));
            assertTrue(String.valueOf(failure.getMessage()).contains("127.0.0.1:" + sourceTlsPort), failure.getMessage());
        }
    }

    private static RedisSide side(String role, int tlsPort) {
        return new RedisSide(vertx, new RedisEndpoint(role, List.of("127.0.0.1:" + tlsPort), Optional.empty(),
                Optional.empty(), true, false), Duration.ofSeconds(10), 8);
    }

    private static String[] tlsArgs(int tlsPort) {
        return TlsCertificates.redisArgs(home, tlsPort);
    }
}
