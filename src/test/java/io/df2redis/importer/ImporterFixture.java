package io.df2redis.importer;

import io.df2redis.config.MigrationConfig.ConflictPolicy;
import io.df2redis.config.MigrationConfig.DumpCompression;
import io.df2redis.contract.resp.RespClient;
import io.df2redis.contract.resp.RespConnection;
import io.df2redis.copy.TargetWriter;
import io.df2redis.copy.WriterSettings;
import io.df2redis.importer.scan.ScanSettings;
import io.df2redis.local.LocalRedis;
import io.df2redis.migration.stage.OwnKeys;
import io.df2redis.resp.RedisEndpoint;
import io.df2redis.resp.RedisSide;
import io.df2redis.testing.TempDirs;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * A real source and target {@code redis-server} on free loopback ports, shared by the tests of a class
 * and emptied before each test; reactive clients on a plain Vert.x instance (no Quarkus boot).
 */
public abstract class ImporterFixture {

    public static final Duration WAIT = Duration.ofSeconds(60);

    public static Path home;
    public static LocalRedis sourceServer;
    public static LocalRedis targetServer;
    public static Vertx vertx;
    public static RedisSide source;
    public static RedisSide target;

    @BeforeAll
    public static void startServers() throws IOException {
        home = Files.createTempDirectory("df2redis-importer-");
        sourceServer = LocalRedis.start(home.resolve("source"), Optional.empty());
        targetServer = LocalRedis.start(home.resolve("target"), Optional.empty());
        vertx = Vertx.vertx();
        source = side("source", sourceServer.address(), false);
        target = side("target", targetServer.address(), false);
    }

    @AfterAll
    public static void stopServers() {
        source.close();
        target.close();
        vertx.closeAndAwait();
        sourceServer.close();
        targetServer.close();
        TempDirs.delete(home);
    }

    @BeforeEach
    public void emptyServers() throws IOException {
        sourceServer.command("FLUSHALL");
        targetServer.command("FLUSHALL");
    }

    public static RedisSide side(String role, String address, boolean cluster) {
        return new RedisSide(vertx, new RedisEndpoint(role, List.of(address.split(",")), Optional.empty(), Optional.empty(), false, cluster),
                Duration.ofSeconds(5), 8);
    }

    public static WriterSettings writerSettings() {
        return new WriterSettings(64, ConflictPolicy.REPLACE, true, 16 << 20, 512, 1 << 20, false, Duration.ofSeconds(5));
    }

    public static ScanSettings scanSettings(int concurrency) {
        return scanSettings(concurrency, 0);
    }

    public static ScanSettings scanSettings(int concurrency, long maxFailures) {
        return new ScanSettings(40, concurrency, 1, 0, maxFailures, Optional.empty(),
                new OwnKeys("MIGRATE_BASE_TS", "MIGRATE_FENCE", "meta:{%s}"), home.resolve("state/failures.jsonl"),
                DumpCompression.KEEP);
    }

    public static TargetWriter standaloneWriter(WriterSettings settings) {
        return new TargetWriter(source, target, address -> {
            throw new IllegalStateException("a standalone target has no cluster nodes");
        }, settings);
    }

    public static <T> T await(Uni<T> uni) {
        return uni.await().atMost(WAIT);
    }

    public static RespConnection sourceClient() {
        return RespClient.connect(sourceServer.port());
    }

    public static RespConnection targetClient() {
        return RespClient.connect(targetServer.port());
    }
}
