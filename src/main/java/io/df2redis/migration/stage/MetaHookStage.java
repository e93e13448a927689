package io.df2redis.migration.stage;

import io.df2redis.contract.hook.HookInfo;
import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationPaths;
import io.df2redis.migration.engine.Stage;
import io.df2redis.migration.engine.StageContext;
import io.df2redis.migration.engine.StageResult;
import io.df2redis.proxy.PrivateFiles;
import io.df2redis.resp.RedisEndpoints;
import io.df2redis.resp.RedisSide;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.redis.client.Command;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Phase 2 of the migration model: loads the meta CAS script on the target ({@code SCRIPT LOAD} on
 * every master) and writes {@code hook.json} for the proxy plugin (script SHA and text, meta key
 * pattern, baseline key, journal dir and how to reach the target: mode 0600, it holds the target's
 * password). The plugin reads it again whenever it changes.
 */
@ApplicationScoped
public class MetaHookStage implements Stage {

    private final RedisEndpoints redis;
    private final MigrationConfig config;
    private final MigrationPaths paths;

    public MetaHookStage(RedisEndpoints redis, MigrationConfig config, MigrationPaths paths) {
        this.redis = redis;
        this.config = config;
        this.paths = paths;
    }

    @Override
    public String name() {
        return "meta-hook";
    }

    @Override
    public String description() {
        return "load the meta CAS script on the target and write hook.json for the proxy plugin";
    }

    @Override
    public Uni<StageResult> run(StageContext context) {
        String script = script();
        return redis.targetMasters()
                .chain(masters -> Uni.join().all(masters.stream().map(master -> load(master, script)).toList()).andFailFast())
                .map(shas -> shas.get(0))
                .chain(sha -> writeHook(sha, script)
                        .invoke(file -> context.finding("hook", Map.of("file", file.toString(), "scriptSha", sha,
                                "enableCas", config.consistency().enableCas())))
                        .map(file -> StageResult.succeeded(message(sha, file))));
    }

    private String message(String sha, Path file) {
        if (!config.consistency().enableCas()) {
            return "hook.json written to " + file + " with CAS off (consistency.enableCas: false); script " + sha + " loaded";
        }
        if (config.target().type() == MigrationConfig.TargetType.REDIS_CLUSTER) {
            return "script " + sha + " loaded on every master and hook.json written to " + file
                    + "; the proxy plugin sends each meta update to the master of its slot";
        }
        return "script " + sha + " loaded on the target and hook.json written to " + file;
    }

    private Uni<String> load(RedisSide master, String script) {
        return master.send(Command.SCRIPT, "LOAD", script).map(reply -> reply.toString());
    }

    private Uni<Path> writeHook(String sha, String script) {
        return Uni.createFrom().item(() -> {
                    Path file = config.proxy().hookInfoFile().map(f -> paths.baseDir().resolve(f))
                            .orElse(paths.walDir().resolve("hook.json"));
                    List<String> targets = List.of(config.target().seed().split(","));
                    String first = targets.get(0).trim();
                    int colon = first.lastIndexOf(':');
                    HookInfo hook = new HookInfo(config.consistency().enableCas(), sha, script, config.consistency().metaKeyPattern(),
                            config.consistency().baselineTsKey(), paths.walDir().toString(), first.substring(0, colon),
                            Integer.parseInt(first.substring(colon + 1)), config.target().username().orElse(null),
                            config.target().password().orElse(null), config.target().type() == MigrationConfig.TargetType.REDIS_CLUSTER);
                    try {
                        Files.createDirectories(file.getParent());
                        PrivateFiles.write(file, hook.toJson());
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
                    }
                    return file;
                })
                // File I/O: off the event loop.
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    /** proxy.metaHookScript, or the bundled lua/meta_cas.lua. */
    private String script() {
        String configured = config.proxy().metaHookScript();
        try {
            if (!"auto".equalsIgnoreCase(configured)) {
                return Files.readString(paths.baseDir().resolve(configured), StandardCharsets.UTF_8);
            }
            try (InputStream in = getClass().getClassLoader().getResourceAsStream("df2redis/lua/meta_cas.lua")) {
                if (in == null) {
                    throw new IllegalStateException("lua/meta_cas.lua is missing from the build");
                }
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the meta hook script " + configured + ": " + e.getMessage()
                    + " (proxy.metaHookScript)", e);
        }
    }
}
