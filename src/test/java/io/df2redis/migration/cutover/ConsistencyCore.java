package io.df2redis.migration.cutover;

import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationConfigLoader;
import io.df2redis.config.MigrationPaths;
import io.df2redis.local.LocalRedis;
import io.df2redis.state.EventHub;
import io.df2redis.migration.journal.JournalDrain;
import io.df2redis.migration.scripts.ScriptCopy;
import io.df2redis.migration.verify.Verifier;
import io.df2redis.proxy.ProxyControl;
import io.df2redis.proxy.ProxyFiles;
import io.df2redis.proxy.ProxyStatusPoller;
import io.df2redis.proxy.ProxySupervisor;
import io.df2redis.proxy.RouteKind;
import io.df2redis.resp.RedisEndpoints;
import io.df2redis.state.StatusStore;
import io.vertx.mutiny.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The consistency core of the service wired as the service wires it, for tests and benchmarks with the
 * real proxy and real servers: a source and a target redis-server, the migration file (those two, the proxy
 * on a free port), the status store, the event hub, the proxy's supervisor with the proxy started on a
 * route, the journal drain, the verifier and the write flip; the cutover stage and the primary flip on
 * demand. Closing it stops the drain, the proxy and the servers and closes the store.
 */
public final class ConsistencyCore implements AutoCloseable {

    public final LocalRedis source;
    public final LocalRedis target;
    public final int proxyPort;
    public final MigrationConfig config;
    public final MigrationPaths paths;
    public final StatusStore store;
    public final EventHub events;
    public final RedisEndpoints redis;
    public final ProxySupervisor proxy;
    public final ProxyControl control;
    public final JournalDrain drain;
    public final Verifier verifier;
    public final WriteFlip writeFlip;

    private ConsistencyCore(LocalRedis source, LocalRedis target, int proxyPort, MigrationConfig config, MigrationPaths paths,
            Vertx vertx) {
        this.source = source;
        this.target = target;
        this.proxyPort = proxyPort;
        this.config = config;
        this.paths = paths;
        this.store = StatusStore.open(paths.statusFile());
        this.events = new EventHub(store, 100);
        this.redis = new RedisEndpoints(vertx, config);
        ProxyFiles files = new ProxyFiles(config, paths);
        this.control = new ProxyControl(config, files, events, store);
        this.proxy = new ProxySupervisor(config, paths, files, control, new ProxyStatusPoller(control, events, store, vertx), events, store,
                vertx);
        this.drain = new JournalDrain(config, paths, redis, store, events);
        this.verifier = new Verifier(config, paths, redis, drain, store);
        this.writeFlip = new WriteFlip(config, control, drain, verifier, redis, store, events);
    }

    /**
     * Starts a source and a target redis-server in {@code home}, writes {@code home/migrate.yaml} for them, with
     * {@code proxyOptions} added to the {@code proxy} section (e.g. {@code "fence: {maxPause: 2s}"}, or empty)
     * and {@code moreSections} after it (YAML lines, or empty), wires the core with the state in
     * {@code home/state}, and starts the proxy on {@code route}. The drain does not run yet: see {@link #runDrain()}.
     */
    public static ConsistencyCore start(Vertx vertx, Path home, RouteKind route, String proxyOptions, String moreSections)
            throws Exception {
        LocalRedis source = LocalRedis.start(home.resolve("source"), Optional.empty());
        LocalRedis target = null;
        ConsistencyCore core;
        try {
            target = LocalRedis.start(home.resolve("target"), Optional.empty());
            int port = LocalRedis.freePort();
            Path file = home.resolve("migrate.yaml");
            Files.writeString(file, """
                    source: {type: redis, addr: "%s"}
                    target: {seed: "%s"}
                    stateDir: state
                    proxy: {endpoint: "127.0.0.1:%d", consolePort: %d%s}
                    """.formatted(source.address(), target.address(), port, LocalRedis.freePort(),
                    proxyOptions.isEmpty() ? "" : ", " + proxyOptions) + moreSections);
            MigrationConfig config = MigrationConfigLoader.load(file, Map.of());
            MigrationPaths paths = new MigrationPaths(home, home.resolve("state"), home.resolve("state/status.json"),
                    home.resolve("state/wal"));
            core = new ConsistencyCore(source, target, port, config, paths, vertx);
        } catch (Exception | Error e) {
            if (target != null) {
                target.close();
            }
            source.close();
            throw e;
        }
        return core.closedIfFails(() -> core.proxy.start(route, false).await().atMost(Duration.ofMinutes(2)));
    }

    /** Starts the journal drain (from the start of the journal) and returns this core. */
    public ConsistencyCore runDrain() {
        return closedIfFails(() -> drain.ensureRunning(0).await().atMost(Duration.ofSeconds(10)));
    }

    /** Runs a step of the set-up; when it fails the core is closed, as no try-with-resources holds it yet. */
    private ConsistencyCore closedIfFails(Runnable step) {
        try {
            step.run();
            return this;
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /** The read cutover stage over this core, with a cutover control of its own. */
    public CutoverStage cutoverStage() {
        return new CutoverStage(config, control, drain, verifier, store, new CutoverControl(), new ScriptCopy(control, redis, store));
    }

    /** The primary flip (the fence stage's and the rollback's) over this core's write flip. */
    public PrimaryFlip primaryFlip() {
        return new PrimaryFlip(writeFlip, drain, verifier, store, config, control, new ScriptCopy(control, redis, store));
    }

    /** How many fenced flip attempts the status records. */
    public int fenceAttempts() {
        return store.read(s -> s.fence.get("attempts") == null ? 0 : ((List<?>) s.fence.get("attempts")).size());
    }

    @Override
    public void close() {
        try (source; target; store) {
            drain.stop().await().atMost(Duration.ofSeconds(30));
            proxy.stop().await().atMost(Duration.ofSeconds(30));
        }
    }
}
