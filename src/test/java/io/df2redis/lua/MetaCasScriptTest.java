package io.df2redis.lua;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.df2redis.local.LocalRedis;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** lua/meta_cas.lua on a real redis-server: the meta time only ever moves forward. */
class MetaCasScriptTest {

    @TempDir
    Path dir;

    @Test
    void theMetaTimeOnlyMovesForward() throws Exception {
        String script = Files.readString(Path.of("lua/meta_cas.lua"));
        try (LocalRedis redis = LocalRedis.start(dir, Optional.empty())) {
            String sha = (String) redis.command("SCRIPT", "LOAD", script);

            assertEquals(1L, redis.command("EVALSHA", sha, "1", "meta:{user:1}", "1000"));
            assertEquals(0L, redis.command("EVALSHA", sha, "1", "meta:{user:1}", "999"), "an older write does not go back");
            assertEquals(0L, redis.command("EVALSHA", sha, "1", "meta:{user:1}", "1000"), "the same time is not newer");
            assertEquals("1000", redis.command("GET", "meta:{user:1}"));
            assertEquals(1L, redis.command("EVALSHA", sha, "1", "meta:{user:1}", "1001"));
            assertEquals("1001", redis.command("GET", "meta:{user:1}"));
        }
    }
}
