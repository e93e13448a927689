package io.df2redis.testing;

import io.df2redis.local.DemoDataset;
import io.df2redis.local.LocalRedis;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Starts a password-protected source and target {@code redis-server} on free loopback ports, loads
 * a small mixed dataset into the source, and hands their addresses to the service as config
 * overrides. The baseline is throttled so that a run lasts long enough to pause and abort it.
 */
public class TwoRedisResource implements QuarkusTestResourceLifecycleManager {

    public static final String SOURCE_PASSWORD = "src-Pw-7d1c9e";
    public static final String TARGET_PASSWORD = "tgt-Pw-5a2b8f";
    public static final String TOKEN = "test-token-93af10c2";
    public static final int DATASET_SCALE = 50;

    private static LocalRedis source;
    private static LocalRedis target;
    private static Path home;

    @Override
    public Map<String, String> start() {
        try {
            home = Files.createTempDirectory("df2redis-test-");
            source = LocalRedis.start(home.resolve("source"), Optional.of(SOURCE_PASSWORD), "--enable-debug-command", "yes");
            target = LocalRedis.start(home.resolve("target"), Optional.of(TARGET_PASSWORD), "--enable-debug-command", "yes");
            DemoDataset.load(source, DATASET_SCALE, 7);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> config = new HashMap<>();
        config.put("df2redis.source.type", "redis");
        config.put("df2redis.source.addr", source.address());
        config.put("df2redis.source.password", SOURCE_PASSWORD);
        config.put("df2redis.target.seed", target.address());
        config.put("df2redis.target.password", TARGET_PASSWORD);
        config.put("df2redis.stateDir", home.resolve("state").toString());
        config.put("df2redis.control.token", TOKEN);
        config.put("df2redis.migrate.mode", "snapshot");
        config.put("df2redis.migrate.targetNonEmpty", "allow");
        config.put("df2redis.migrate.scanCount", "20");
        config.put("df2redis.migrate.throttle.maxOpsPerMaster", "250");
        config.put("df2redis.engine.remoteTimeout", "1s");
        config.put("df2redis.engine.checkpointEvery", "1");
        config.put("quarkus.log.file.enabled", "true");
        config.put("quarkus.log.file.path", home.resolve("service.log").toString());
        config.put("quarkus.log.file.filter", "mask-secrets");
        return config;
    }

    @Override
    public void stop() {
        if (source != null) {
            source.close();
        }
        if (target != null) {
            target.close();
        }
        TempDirs.delete(home);
    }

    public static LocalRedis source() {
        return source;
    }

    public static LocalRedis target() {
        return target;
    }

    public static Path home() {
        return home;
    }

    public static Path statusFile() {
        return home.resolve("state/status.json");
    }

    public static Path serviceLog() {
        return home.resolve("service.log");
    }
}
