package io.df2redis.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationPaths;
import io.df2redis.config.Secrets;
import io.df2redis.migration.event.EventHub;
import io.df2redis.state.StatusStore;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.redis.client.RedisOptions;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Starts the Camellia proxy as a child process and keeps it running: waits for its ready line and
 * a PING through it, streams its output (masked) into the log and, bounded, into the events,
 * restarts it with backoff when it exits unexpectedly (recording a possible-loss window), adopts or
 * stops a proxy left by an earlier run (pid file), and stops it with SIGTERM then SIGKILL.
 */
@ApplicationScoped
public class ProxySupervisor {

    private static final int OUTPUT_LINES_KEPT = 30;
    private static final int OUTPUT_EVENTS_PER_RUN = 50;
    private static final Duration POLL_INTERVAL = Duration.ofSeconds(2);
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private final MigrationConfig config;
    private final MigrationPaths paths;
    private final EventHub events;
    private final StatusStore store;
    private final Vertx vertx;
    private final ProxyConsoleClient console;
    private final String consoleToken;
    private final ProxyLog log;
    private final Deque<String> lastOutput = new ArrayDeque<>();

    private volatile ProcessHandle handle;
    private final java.util.concurrent.atomic.AtomicLong appliedToReport = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicBoolean reportingApplied = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile Process process;
    private volatile boolean stopping;
    private volatile CompletableFuture<Void> ready = new CompletableFuture<>();
    private volatile Instant healthySince;
    private volatile MigrationConfig.MultiWriteMode multiWriteMode;
    private int restarts;
    private int outputEvents;
    private long pollTimer = -1;
    private volatile String lastUnmirrorable = "{}";

    public ProxySupervisor(MigrationConfig config, MigrationPaths paths, EventHub events, StatusStore store, Vertx vertx) {
        this.config = config;
        this.paths = paths;
        this.events = events;
        this.store = store;
        this.vertx = vertx;
        this.consoleToken = ConsoleToken.resolve(config, directory());
        this.log = new ProxyLog(directory());
        this.console = new ProxyConsoleClient(config.proxy().consolePort(), config.engine().remoteTimeout(), consoleToken);
    }

    public ProxyConsoleClient console() {
        return console;
    }

    public Path directory() {
        return paths.stateDir().resolve("proxy");
    }

    public boolean running() {
        ProcessHandle current = handle;
        return current != null && current.isAlive();
    }

    /**
     * Starts the proxy on the given route (an existing route file is kept when {@code keepRoute}, so
     * a restarted service does not undo a later route), or adopts a healthy proxy of an earlier run.
     */
    public Uni<Map<String, Object>> start(RouteKind route, boolean keepRoute) {
        stopping = false;
        return Uni.createFrom().item(() -> prepare(route, keepRoute))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .chain(adopted -> adopted ? Uni.createFrom().voidItem() : launch())
                .chain(this::awaitPing)
                .chain(console::status)
                .map(this::recordRunning);
    }

    /** Applies a route through the console: one round trip, answered once the route is in force. */
    public Uni<JsonNode> applyRoute(RouteKind kind, int readPercent) {
        String json = new ProxyRoutes(config).render(kind, readPercent);
        // The console answers once the route is in force (and on disk): that answer is the confirmation.
        return console.applyRoute(json)
                .invoke(status -> {
                    if (status.path("routeVersion").asLong() <= 0) {
                        throw new IllegalStateException("the proxy did not confirm the route: " + status);
                    }
                })
                .invoke(status -> {
                    store.update(s -> {
                        s.proxy.put("route", kind.name().toLowerCase().replace('_', '-'));
                        s.proxy.put("readPercent", kind == RouteKind.READ_SPLIT ? readPercent : null);
                        s.proxy.put("routeVersion", status.path("routeVersion").asLong());
                    });
                    events.emit("proxy.route", null, "proxy route is now " + kind.name().toLowerCase().replace('_', '-')
                            + (kind == RouteKind.READ_SPLIT ? " (" + readPercent + "% of reads to the target)" : ""),
                            Map.of("route", kind.name(), "routeVersion", status.path("routeVersion").asLong()));
                });
    }

    /**
     * Passes the drain's progress on to the proxy, which sends reads of keys not applied yet to the
     * primary while reads are split: one console call in flight at a time, the newest sequence wins. A
     * call that fails is not retried here; the next applied batch reports again, and until then the
     * proxy only keeps more reads on the primary.
     */
    void journalApplied(@Observes io.df2redis.migration.journal.JournalApplied applied) {
        appliedToReport.accumulateAndGet(applied.seq(), Math::max);
        reportApplied();
    }

    private void reportApplied() {
        if (handle == null || stopping || appliedToReport.get() == 0 || !reportingApplied.compareAndSet(false, true)) {
            return;
        }
        long seq = appliedToReport.get();
        console.journalApplied(seq).subscribe().with(
                answer -> appliedReported(seq),
                failure -> {
                    Log.debugf("the proxy did not take applied sequence %d: %s", seq, failure.getMessage());
                    appliedReported(Long.MAX_VALUE);
                });
    }

    private void appliedReported(long seq) {
        reportingApplied.set(false);
        if (appliedToReport.get() > seq) {
            reportApplied();
        }
    }

    /**
     * Changes the proxy's multi-write mode in place (no restart, no dropped connection); the settings
     * file is rewritten too, so a restarted proxy starts in the new mode. From the first read cutover
     * on the service uses a mode whose reply covers both sides.
     */
    public Uni<Map<String, Object>> switchMultiWriteMode(MigrationConfig.MultiWriteMode mode) {
        return console.multiWriteMode(mode.name())
                .invoke(applied -> {
                    if (!mode.name().equals(applied.path("multiWriteMode").asText())) {
                        throw new IllegalStateException("the proxy did not confirm multi-write mode " + mode.name() + ": " + applied);
                    }
                })
                .invoke(() -> multiWriteMode = mode)
                .chain(() -> Uni.createFrom().item(() -> {
                            writeSettings();
                            return null;
                        })
                        // Blocking file I/O: the settings file (0600) is rewritten off the event loop.
                        .runSubscriptionOn(Infrastructure.getDefaultWorkerPool()))
                .map(ignored -> {
                    String name = mode.name().toLowerCase().replace('_', '-');
                    store.update(s -> s.proxy.put("multiWriteMode", name));
                    events.emit("proxy.multi-write-mode", null, "proxy now in multi-write mode " + name + " (changed in place)");
                    return Map.<String, Object>of("multiWriteMode", name);
                });
    }

    private void writeSettings() {
        try {
            PrivateFiles.write(directory().resolve("proxy.properties"), settings(directory().resolve("route.json")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rewrite " + directory().resolve("proxy.properties") + ": " + e.getMessage(), e);
        }
    }

    /**
     * The operator retires the proxy: the one this service runs, or one an earlier run left serving.
     * Answers what was stopped.
     */
    public Uni<Map<String, Object>> retire() {
        return Uni.createFrom().item(() -> {
                    ProcessHandle current = handle;
                    if (current == null || !current.isAlive()) {
                        try {
                            current = earlierProxy().orElse(null);
                        } catch (IOException e) {
                            throw new UncheckedIOException("cannot read " + directory().resolve(ProxyProcess.PID_FILE) + ": " + e.getMessage(), e);
                        }
                        handle = current;
                    }
                    if (current == null) {
                        return Map.<String, Object>of("stopped", false, "message", "no proxy runs for this state directory");
                    }
                    long pid = current.pid();
                    stopProcess("retired by the operator");
                    return Map.<String, Object>of("stopped", true, "pid", pid, "message", "proxy (pid " + pid + ") stopped; applications "
                            + "must now use the new primary directly");
                })
                // Blocking: waits for the process to exit.
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    /** Stops the proxy: SIGTERM, then SIGKILL after {@code proxy.stopGrace}; nothing is left running. */
    public Uni<Void> stop() {
        return Uni.createFrom().item(() -> {
                    stopProcess("stopped by df2redis");
                    return null;
                })
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .replaceWithVoid();
    }

    /**
     * Applications depend on the proxy for the whole migration and after it: unless
     * {@code proxy.stopWithService}, it keeps serving when this service stops (a later run adopts it;
     * {@code df2redis proxy stop} retires it).
     */
    void onShutdown(@Observes @Priority(2) ShutdownEvent event) {
        ProcessHandle current = handle;
        if (current == null || !current.isAlive()) {
            return;
        }
        if (config.proxy().stopWithService()) {
            stopProcess("service stopping");
            return;
        }
        stopping = true;
        stopPolling();
        log.stop();
        store.update(s -> s.proxy.put("state", "left-running"));
        events.emit("proxy.left-running", null, leftRunningMessage(current.pid()));
    }

    /** What an operator reads (the last line of {@code migrate}) when the service ends and the proxy goes on serving. */
    private String leftRunningMessage(long pid) {
        return "the proxy keeps serving applications on " + config.proxy().endpoint() + " (pid " + pid
                + "); retire it with 'df2redis proxy stop' or POST /api/v1/proxy/stop";
    }



    /** Blocking: runtime, files, stale proxies. True when a healthy proxy of an earlier run was adopted. */
    private boolean prepare(RouteKind route, boolean keepRoute) {
        try {
            Files.createDirectories(directory());
            Path routeFile = directory().resolve("route.json");
            if (!keepRoute || !Files.exists(routeFile)) {
                PrivateFiles.write(routeFile, new ProxyRoutes(config).render(route, 0));
            }
            writeSettings();
            Files.createDirectories(paths.walDir());
            Optional<ProcessHandle> earlier = earlierProxy();
            if (earlier.isPresent()) {
                if (keepRoute && consoleAnswers()) {
                    adopt(earlier.get());
                    return true;
                }
                events.emit("proxy.stale", null, "stopping the proxy (pid " + earlier.get().pid() + ") left by an earlier run");
                terminate(earlier.get());
            }
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the proxy files in " + directory() + ": " + e.getMessage(), e);
        }
    }

    private String settings(Path routeFile) {
        return settings(routeFile, multiWriteMode == null ? config.proxy().multiWriteMode() : multiWriteMode);
    }

    private String settings(Path routeFile, MigrationConfig.MultiWriteMode mode) {
        MigrationConfig.Proxy proxy = config.proxy();
        String[] listen = hostPort(proxy.endpoint());
        Map<String, String> values = new LinkedHashMap<>();
        values.put("LISTEN_HOST", listen[0]);
        values.put("PORT", listen[1]);
        values.put("CONSOLE_PORT", String.valueOf(proxy.consolePort()));
        values.put("ROUTE_FILE", routeFile.toString());
        values.put("WAL_DIR", paths.walDir().toString());
        values.put("WAL_STATUS_FILE", proxy.walStatusFile().map(f -> paths.baseDir().resolve(f).toString())
                .orElse(paths.walDir().resolve("status.json").toString()));
        values.put("JOURNAL_FSYNC", proxy.journal().fsync());
        values.put("JOURNAL_FSYNC_INTERVAL_MS", String.valueOf(proxy.journal().fsyncInterval().toMillis()));
        values.put("JOURNAL_APPEND_TIMEOUT_MS", String.valueOf(proxy.journal().appendTimeout().toMillis()));
        values.put("JOURNAL_SEGMENT_RECORDS", String.valueOf(proxy.journal().segmentRecords()));
        values.put("FENCE_MODE", proxy.fence().mode());
        values.put("FENCE_MESSAGE", proxy.fence().message());
        values.put("FENCE_MAX_HOLD_MS", String.valueOf(proxy.fence().maxHold().toMillis()));
        values.put("MULTI_WRITE_MODE", mode.name());
        values.put("AUTH_USER", propertyValue(config.source().username().orElse("")));
        values.put("AUTH_PASSWORD", propertyValue(config.source().password().orElse("")));
        values.put("CONSOLE_TOKEN", propertyValue(consoleToken));
        // The proxy reads the source's ACL users over a plain connection of its own: not for a TLS source.
        values.put("ACL_SOURCE", config.source().tls() ? "" : config.source().addr());
        values.put("HOOK_INFO_FILE", proxy.hookInfoFile().map(f -> paths.baseDir().resolve(f).toString())
                .orElse(paths.walDir().resolve("hook.json").toString()));
        return Templates.render(Templates.load("proxy.properties.tmpl"), values);
    }

    /** A value as java.util.Properties reads it back unchanged (backslashes, leading blanks, line breaks escaped). */
    static String propertyValue(String value) {
        String escaped = value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r");
        return escaped.startsWith(" ") ? "\\" + escaped : escaped;
    }

    private Uni<Void> launch() {
        return Uni.createFrom().item(this::spawn)
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .chain(started -> Uni.createFrom().completionStage(started))
                .ifNoItem().after(config.proxy().readyTimeout())
                .failWith(() -> new IllegalStateException("the proxy printed no ready line within proxy.readyTimeout ("
                        + config.proxy().readyTimeout() + "); last output: " + lastOutput()));
    }

    /** Blocking: starts the process and its output readers; returns the ready signal. */
    private CompletableFuture<Void> spawn() {
        Path jar = ProxyRuntime.jar(config, Path.of(System.getProperty("user.home")));
        List<String> command = new ArrayList<>(List.of(ProxyRuntime.java(config), "-Xmx" + config.proxy().heap(),
                "-XX:+UseSerialGC", "-Xss512k"));
        config.proxy().args().ifPresent(extra -> command.addAll(List.of(extra.trim().split("\\s+"))));
        command.addAll(List.of("-jar", jar.toString(), directory().resolve("proxy.properties").toString()));
        if (Files.isExecutable(SETSID)) {
            // A session of its own: a Ctrl-C meant for df2redis (sent to its process group) does not stop the proxy.
            command.add(0, SETSID.toString());
        }
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(config.proxy().workDir().map(d -> paths.baseDir().resolve(d)).orElse(paths.stateDir()).toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.file().toFile()));
        builder.environment().putAll(config.proxy().env());
        CompletableFuture<Void> readySignal = new CompletableFuture<>();
        ready = readySignal;
        outputEvents = 0;
        long from;
        try {
            log.stop();
            log.rotateIfLarge();
            from = log.end();
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the proxy (" + command.get(0) + "): " + e.getMessage()
                    + "; set proxy.javaHome or JAVA_HOME", e);
        }
        handle = process.toHandle();
        writePid(handle.pid());
        log.follow(from, line -> onOutput(line, readySignal));
        ProcessHandle started = handle;
        process.onExit().thenAccept(exited -> onExit(started, exited.exitValue()));
        return readySignal;
    }

    /** A line the proxy printed: masked, logged, kept for error messages and, bounded, sent as an event. */
    private void onOutput(String line, CompletableFuture<Void> readySignal) {
        String masked = Secrets.mask(ProxyOutput.maskUrls(line));
        remember(masked);
        if (masked.startsWith("DF2REDIS-PROXY READY")) {
            readySignal.complete(null);
        }
        Log.infof("proxy: %s", masked);
        if (outputEvents < OUTPUT_EVENTS_PER_RUN && ProxyOutput.worthAnEvent(masked)) {
            outputEvents++;
            events.emit("proxy.output", null, masked);
        }
    }

    private synchronized void remember(String line) {
        lastOutput.addLast(line);
        while (lastOutput.size() > OUTPUT_LINES_KEPT) {
            lastOutput.removeFirst();
        }
    }

    private synchronized String lastOutput() {
        return lastOutput.isEmpty() ? "(none)" : String.join(" | ", lastOutput);
    }

    /** PING through the proxy until it answers or proxy.readyTimeout passes. */
    private Uni<Void> awaitPing() {
        String[] listen = hostPort(config.proxy().endpoint());
        String host = "0.0.0.0".equals(listen[0]) ? "127.0.0.1" : listen[0];
        // Applications log in to the proxy with the source's credentials; so does this check.
        String user = config.source().username()
                .map(u -> "?user=" + java.net.URLEncoder.encode(u, StandardCharsets.UTF_8)).orElse("");
        RedisOptions options = new RedisOptions().setConnectionString("redis://" + host + ":" + listen[1] + user);
        config.source().password().ifPresent(options::setPassword);
        Redis client = Redis.createClient(vertx, options);
        return Uni.createFrom().deferred(() -> client.send(Request.cmd(Command.PING)))
                .ifNoItem().after(Duration.ofSeconds(2)).fail()
                .onFailure().retry().withBackOff(Duration.ofMillis(100), Duration.ofSeconds(1))
                .expireIn(config.proxy().readyTimeout().toMillis())
                .onFailure().transform(e -> new IllegalStateException("the proxy does not answer PING on " + config.proxy().endpoint()
                        + ": " + e.getMessage() + "; last output: " + lastOutput()))
                .eventually(client::close)
                .replaceWithVoid();
    }

    private Map<String, Object> recordRunning(JsonNode status) {
        reportApplied();
        healthySince = Instant.now();
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("state", "running");
        info.put("pid", handle == null ? null : handle.pid());
        info.put("endpoint", config.proxy().endpoint());
        info.put("consolePort", config.proxy().consolePort());
        info.put("routeVersion", status.path("routeVersion").asLong());
        info.put("journalHead", status.path("journal").path("head").asLong());
        // Intents up to here were written by an earlier proxy process: no commit record will follow them.
        info.put("journalHeadAtStart", status.path("journal").path("startHead").asLong());
        info.put("restarts", restarts);
        store.update(s -> s.proxy.putAll(info));
        startPolling();
        events.emit("proxy.running", null, "proxy ready on " + config.proxy().endpoint() + " (pid " + info.get("pid")
                + ", console 127.0.0.1:" + config.proxy().consolePort() + ")", info);
        return info;
    }

    /** Copies the console's figures into the status and metrics every few seconds while the proxy runs. */
    private synchronized void startPolling() {
        if (pollTimer >= 0) {
            return;
        }
        pollTimer = vertx.setPeriodic(POLL_INTERVAL.toMillis(), id -> console.status()
                .invoke(this::recordConsole)
                .chain(console::monitor)
                .subscribe().with(this::recordMonitor, failure -> Log.debugf("proxy console: %s", failure.getMessage())));
    }

    private synchronized void stopPolling() {
        if (pollTimer >= 0) {
            vertx.cancelTimer(pollTimer);
            pollTimer = -1;
        }
    }

    void recordConsole(JsonNode status) {
        JsonNode journal = status.path("journal");
        store.update(s -> {
            s.proxy.put("journalHead", journal.path("head").asLong());
            s.proxy.put("inflight", status.path("inflight").asLong());
            s.proxy.put("fence", status.path("fence").path("on").asBoolean() ? "on" : "off");
            s.proxy.put("unmirrorable", StatusJsonMaps.toMap(status.path("unmirrorable")));
            s.metrics.put("proxy_journal_head", (double) journal.path("head").asLong());
            s.metrics.put("proxy_journal_intents", (double) journal.path("intents").asLong());
            s.metrics.put("proxy_journal_refused", (double) journal.path("refused").asLong());
            s.metrics.put("proxy_inflight_writes", (double) status.path("inflight").asLong());
            s.metrics.put("proxy_fenced_writes", (double) status.path("fence").path("refused").asLong());
        });
        io.df2redis.migration.scripts.ScriptCopy.counted(store, status);
        String unmirrorable = status.path("unmirrorable").toString();
        if (!unmirrorable.equals(lastUnmirrorable) && status.path("unmirrorable").size() > 0) {
            lastUnmirrorable = unmirrorable;
            events.emit("proxy.unmirrorable", null, "clients use commands the proxy cannot dual-write (counts so far): "
                    + unmirrorable + "; see README, Troubleshooting");
        }
    }

    /** Camellia's figures: qps, connections, per-backend rates and failures. */
    void recordMonitor(JsonNode monitor) {
        JsonNode qps = monitor.path("qpsStats").path(0);
        long failures = 0;
        for (JsonNode fail : monitor.path("failStats")) {
            failures += fail.path("count").asLong();
        }
        java.util.List<Map<String, Object>> backends = new ArrayList<>();
        for (JsonNode resource : monitor.path("resourceStats")) {
            backends.add(Map.of("resource", ProxyOutput.maskUrl(resource.path("resource").asText()),
                    "qps", resource.path("qps").asDouble()));
        }
        long failed = failures;
        store.update(s -> {
            s.metrics.put("proxy_qps", qps.path("qps").asDouble());
            s.metrics.put("proxy_read_qps", qps.path("readQps").asDouble());
            s.metrics.put("proxy_write_qps", qps.path("writeQps").asDouble());
            s.metrics.put("proxy_client_connections", monitor.path("connectStats").path(0).path("connect").asDouble());
            s.metrics.put("proxy_failures_last_interval", (double) failed);
            s.proxy.put("backends", backends);
        });
    }

    private void onExit(ProcessHandle exited, int exitCode) {
        if (stopping || exited != handle) {
            return;
        }
        Instant from = healthySince == null ? Instant.now() : healthySince;
        Map<String, Object> window = new LinkedHashMap<>();
        window.put("from", from.toString());
        window.put("to", Instant.now().toString());
        window.put("exitCode", exitCode);
        window.put("reason", "proxy exited unexpectedly");
        store.update(s -> {
            s.possibleLossWindows.add(window);
            s.proxy.put("state", "restarting");
        });
        events.emit("proxy.exited", null, "the proxy exited unexpectedly (exit " + exitCode + "); a possible-loss window is "
                + "recorded (a full verify runs before any cutover); last output: " + lastOutput(), window);
        restart();
    }

    private void restart() {
        if (restarts >= config.proxy().restartAttempts()) {
            store.update(s -> s.proxy.put("state", "failed"));
            events.emit("proxy.failed", null, "the proxy did not stay up after " + restarts
                    + " restarts (proxy.restartAttempts): look at its output in the log");
            return;
        }
        restarts++;
        Duration backoff = config.proxy().restartBackoff().multipliedBy(1L << Math.min(6, restarts - 1));
        events.emit("proxy.restarting", null, "restarting the proxy in " + backoff.toMillis() + " ms (attempt " + restarts + "/"
                + config.proxy().restartAttempts() + ")");
        Uni.createFrom().voidItem()
                .onItem().delayIt().by(backoff)
                .chain(this::launch)
                .chain(this::awaitPing)
                .chain(console::status)
                .subscribe().with(this::recordRunning, failure -> {
                    events.emit("proxy.restart-failed", null, "restart " + restarts + " failed: " + failure.getMessage());
                    if (!running()) {
                        restart();
                    }
                });
    }

    /** Blocking (reads the log's size). */
    private void adopt(ProcessHandle earlier) throws IOException {
        handle = earlier;
        process = null;
        ready = CompletableFuture.completedFuture(null);
        outputEvents = 0;
        log.stop();
        log.follow(log.end(), line -> onOutput(line, ready));
        earlier.onExit().thenAccept(exited -> onExit(earlier, -1));
        events.emit("proxy.adopted", null, "adopted the proxy (pid " + earlier.pid() + ") left running by an earlier run; "
                + "its output is followed from " + log.file());
    }

    private void stopProcess(String reason) {
        stopping = true;
        stopPolling();
        log.stop();
        ProcessHandle current = handle;
        if (current == null) {
            return;
        }
        terminate(current);
        store.update(s -> s.proxy.put("state", "stopped"));
        events.emit("proxy.stopped", null, "proxy stopped (" + reason + ")");
        try {
            ProxyProcess.forget(directory());
        } catch (IOException e) {
            Log.warnf("cannot delete %s: %s", directory().resolve("proxy.pid"), e.getMessage());
        }
        handle = null;
    }

    /** SIGTERM, then SIGKILL (descendants too) after proxy.stopGrace. Blocking. */
    private void terminate(ProcessHandle target) {
        ProxyProcess.terminate(target, config.proxy().stopGrace());
    }

    private Optional<ProcessHandle> earlierProxy() throws IOException {
        return ProxyProcess.find(directory());
    }

    private boolean consoleAnswers() {
        try {
            console.status().await().atMost(Duration.ofSeconds(3));
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private void writePid(long pid) {
        try {
            Files.writeString(directory().resolve("proxy.pid"), Long.toString(pid));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the proxy pid file: " + e.getMessage(), e);
        }
    }

    private static String[] hostPort(String address) {
        int colon = address.lastIndexOf(':');
        return new String[] {address.substring(0, colon), address.substring(colon + 1)};
    }
}
