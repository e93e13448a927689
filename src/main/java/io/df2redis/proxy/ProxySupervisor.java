package io.df2redis.proxy;

import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationPaths;
import io.df2redis.contract.console.ProxyStatus;
import io.df2redis.state.EventHub;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Starts the Camellia proxy as a child process and keeps it running: waits for its ready line and
 * a PING through it, follows its output ({@link ProxyOutput}), restarts it with backoff when it exits
 * unexpectedly (recording a possible-loss window), adopts or stops a proxy left by an earlier run (pid
 * file), and stops it with SIGTERM then SIGKILL. Its files come from {@link ProxyFiles}; what changes in
 * a running proxy goes through {@link ProxyControl}; its figures are polled by {@link ProxyStatusPoller}.
 */
@ApplicationScoped
public class ProxySupervisor {

    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private final MigrationConfig config;
    private final MigrationPaths paths;
    private final ProxyFiles files;
    private final ProxyControl control;
    private final ProxyStatusPoller poller;
    private final EventHub events;
    private final StatusStore store;
    private final Vertx vertx;
    private final ProxyLog log;
    private final ProxyOutput output;

    private volatile ProcessHandle handle;
    private volatile Process process;
    private volatile boolean stopping;
    private volatile CompletableFuture<Void> ready = new CompletableFuture<>();
    private volatile Instant healthySince;
    private int restarts;

    public ProxySupervisor(MigrationConfig config, MigrationPaths paths, ProxyFiles files, ProxyControl control, ProxyStatusPoller poller,
            EventHub events, StatusStore store, Vertx vertx) {
        this.config = config;
        this.paths = paths;
        this.files = files;
        this.control = control;
        this.poller = poller;
        this.events = events;
        this.store = store;
        this.vertx = vertx;
        this.log = new ProxyLog(directory());
        this.output = new ProxyOutput(events);
    }

    public Path directory() {
        return files.directory();
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
                .chain(() -> control.console().status())
                .map(this::recordRunning);
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
        control.proxyDown();
        poller.stop();
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
            files.writeStartRoute(route, keepRoute);
            files.writeSettings();
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

    private Uni<Void> launch() {
        return Uni.createFrom().item(this::spawn)
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .chain(started -> Uni.createFrom().completionStage(started))
                .ifNoItem().after(config.proxy().readyTimeout())
                .failWith(() -> new IllegalStateException("the proxy printed no ready line within proxy.readyTimeout ("
                        + config.proxy().readyTimeout() + "); last output: " + output.last()));
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
        output.newRun();
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
        log.follow(from, line -> output.line(line, readySignal));
        ProcessHandle started = handle;
        process.onExit().thenAccept(exited -> onExit(started, exited.exitValue()));
        return readySignal;
    }

    /** PING through the proxy until it answers or proxy.readyTimeout passes. */
    private Uni<Void> awaitPing() {
        String[] listen = ProxyFiles.hostPort(config.proxy().endpoint());
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
                        + ": " + e.getMessage() + "; last output: " + output.last()))
                .eventually(client::close)
                .replaceWithVoid();
    }

    private Map<String, Object> recordRunning(ProxyStatus status) {
        control.proxyUp();
        healthySince = Instant.now();
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("state", "running");
        info.put("pid", handle == null ? null : handle.pid());
        info.put("endpoint", config.proxy().endpoint());
        info.put("consolePort", config.proxy().consolePort());
        info.put("routeVersion", status.routeVersion());
        info.put("journalHead", status.journal().head());
        // Intents up to here were written by an earlier proxy process: no commit record will follow them.
        info.put("journalHeadAtStart", status.journal().startHead());
        info.put("restarts", restarts);
        store.update(s -> s.proxy.putAll(info));
        poller.start();
        events.emit("proxy.running", null, "proxy ready on " + config.proxy().endpoint() + " (pid " + info.get("pid")
                + ", console 127.0.0.1:" + config.proxy().consolePort() + ")", info);
        return info;
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
                + "recorded (a full verify runs before any cutover); last output: " + output.last(), window);
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
                .chain(() -> control.console().status())
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
        output.newRun();
        log.stop();
        CompletableFuture<Void> adopted = ready;
        log.follow(log.end(), line -> output.line(line, adopted));
        earlier.onExit().thenAccept(exited -> onExit(earlier, -1));
        events.emit("proxy.adopted", null, "adopted the proxy (pid " + earlier.pid() + ") left running by an earlier run; "
                + "its output is followed from " + log.file());
    }

    private void stopProcess(String reason) {
        stopping = true;
        control.proxyDown();
        poller.stop();
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
            control.console().status().await().atMost(Duration.ofSeconds(3));
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
}
