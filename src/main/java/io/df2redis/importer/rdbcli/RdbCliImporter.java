package io.df2redis.importer.rdbcli;

import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationPaths;
import io.df2redis.config.Secrets;
import io.df2redis.copy.TargetWriter;
import io.df2redis.importer.ImportResult;
import io.df2redis.importer.Importer;
import io.df2redis.importer.SnapshotFile;
import io.df2redis.importer.TooManyFailuresException;
import io.df2redis.migration.engine.StageContext;
import io.df2redis.resp.RedisEndpoints;
import io.df2redis.resp.ServerInfo;
import io.df2redis.state.StatusStore;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.redis.client.Command;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code rdb-cli} importer: drives redis-rdb-cli's {@code rmt} (installed by the operator,
 * {@code migrate.rdbToolBinary}) as a child process to load an RDB snapshot into the target.
 *
 * <p>Only flags rmt has: {@code -s <snapshot>}, {@code -m <uri>} (standalone) or {@code -c <nodes.conf>}
 * (cluster; written from {@code CLUSTER NODES}), {@code -r} for {@code conflictPolicy: replace}, {@code -d}
 * for {@code source.db}. Its knobs are JVM system properties ({@code migrate_threads}, a power of two,
 * from {@code migrate.concurrency}; {@code migrate_batch_size} from {@code migrate.pipeline};
 * {@code dump_rdb_version} from the target's version), handed over in {@code JAVA_TOOL_OPTIONS}, which
 * every JVM reads whatever its launcher does. Progress comes from its {@code \r}-rewritten line; since it
 * exits 0 even when keys failed, the outcome comes from the {@code failure[...]} lines its log gained
 * during the run. rmt has no resume: a restarted stage runs it again with {@code -r} (idempotent).
 * The target password is in rmt's command line (its only way to take it), so it is visible in
 * {@code ps} on this machine while rmt runs.
 */
@ApplicationScoped
public class RdbCliImporter implements Importer {

    /** How long the output reader may still take, after rmt exited, to hand over its last lines. */
    private static final Duration OUTPUT_DRAIN_WAIT = Duration.ofSeconds(5);

    private final MigrationConfig config;
    private final MigrationPaths paths;
    private final RedisEndpoints redis;
    private final StatusStore store;
    private final Map<String, String> environment;

    @jakarta.inject.Inject
    public RdbCliImporter(MigrationConfig config, MigrationPaths paths, RedisEndpoints redis, StatusStore store) {
        this(config, paths, redis, store, Map.of());
    }

    /** With extra environment for rmt's process. */
    RdbCliImporter(MigrationConfig config, MigrationPaths paths, RedisEndpoints redis, StatusStore store, Map<String, String> environment) {
        this.config = config;
        this.paths = paths;
        this.redis = redis;
        this.store = store;
        this.environment = environment;
    }

    @Override
    public String name() {
        return "rdb-cli";
    }

    @Override
    public Uni<ImportResult> run(StageContext context, TargetWriter unused) {
        if (context.resumed()) {
            context.info("rmt has no resume: running it again over the whole snapshot with -r (RESTORE ... REPLACE is idempotent)");
        }
        return redis.target().send(Command.INFO, "server")
                .map(reply -> ServerInfo.parse(reply.toString()))
                .chain(info -> nodesConf()
                        .chain(nodes -> Uni.createFrom().item(() -> plan(context, info, nodes))
                                // File checks: off the event loop.
                                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())))
                .chain(plan -> run(context, plan));
    }

    /** Everything rmt is started with, decided before it starts. */
    record RmtPlan(Path rmt, Path snapshot, List<String> arguments, String javaToolOptions, Path logFile, long logOffset) {
    }

    private Uni<Optional<Path>> nodesConf() {
        if (config.target().type() != MigrationConfig.TargetType.REDIS_CLUSTER) {
            return Uni.createFrom().item(Optional.empty());
        }
        String seedHost = config.target().seed().split(",")[0].trim().replaceAll(":\\d+$", "");
        return redis.target().send(Command.CLUSTER, "NODES")
                .map(reply -> withHosts(reply.toString(), seedHost))
                .chain(nodes -> Uni.createFrom().item(() -> {
                            try {
                                Path file = Files.createDirectories(paths.stateDir().resolve("rmt")).resolve("nodes.conf");
                                Files.writeString(file, nodes + (nodes.endsWith("\n") ? "" : "\n") + "vars currentEpoch 0 lastVoteEpoch 0\n");
                                return Optional.of(file);
                            } catch (IOException e) {
                                throw new UncheckedIOException("cannot write nodes.conf for rmt: " + e.getMessage(), e);
                            }
                        })
                        // File I/O: off the event loop.
                        .runSubscriptionOn(Infrastructure.getDefaultWorkerPool()));
    }

    /** A node that never learned its own address lists itself as ":port": rmt needs the host, which is the seed's. */
    static String withHosts(String clusterNodes, String seedHost) {
        StringBuilder out = new StringBuilder();
        for (String line : clusterNodes.split("\\R")) {
            String[] fields = line.split(" ", 3);
            if (fields.length == 3 && fields[1].startsWith(":")) {
                line = fields[0] + " " + seedHost + fields[1] + " " + fields[2];
            }
            out.append(line).append('\n');
        }
        return out.toString();
    }

    RmtPlan plan(StageContext context, ServerInfo target, Optional<Path> nodesConf) {
        Path rmt = Path.of(config.migrate().rdbToolBinary().orElseThrow()).toAbsolutePath();
        if (!Files.isExecutable(rmt)) {
            throw new IllegalStateException("migrate.rdbToolBinary " + rmt + " is not an executable: install redis-rdb-cli "
                    + "and point the key at its bin/rmt");
        }
        Path snapshot = SnapshotFile.resolve(store, config, paths);
        List<String> args = new ArrayList<>(List.of(rmt.toString(), "-s", snapshot.toString()));
        if (nodesConf.isPresent()) {
            args.addAll(List.of("-c", nodesConf.get().toString()));
        } else {
            args.addAll(List.of("-m", targetUri()));
        }
        if (config.migrate().conflictPolicy() == MigrationConfig.ConflictPolicy.REPLACE || context.resumed()) {
            args.add("-r");
        }
        config.source().db().ifPresent(db -> args.addAll(List.of("-d", String.valueOf(db))));
        config.migrate().rdbToolArgs().ifPresent(extra -> args.addAll(List.of(extra.trim().split("\\s+"))));
        String options = "-Dmigrate_threads=" + powerOfTwoAtMost(config.migrate().concurrency())
                + " -Dmigrate_batch_size=" + config.migrate().pipeline()
                + " -Ddump_rdb_version=" + SnapshotFile.rdbVersion(target)
                + " -Denable_progress_bar=true";
        Path log = rmt.getParent().getParent().resolve("log").resolve("redis-rdb-cli.log");
        long offset = Files.exists(log) ? size(log) : 0;
        return new RmtPlan(rmt, snapshot, List.copyOf(args), options, log, offset);
    }

    private String targetUri() {
        String address = config.target().seed().split(",")[0].trim();
        List<String> query = new ArrayList<>();
        config.target().username().ifPresent(u -> query.add("authUser=" + URLEncoder.encode(u, StandardCharsets.UTF_8)));
        config.target().password().ifPresent(p -> query.add("authPassword=" + URLEncoder.encode(p, StandardCharsets.UTF_8)));
        return (config.target().tls() ? "rediss://" : "redis://") + address + (query.isEmpty() ? "" : "?" + String.join("&", query));
    }

    /** rmt wants a power of two: the largest one not above migrate.concurrency. */
    static int powerOfTwoAtMost(int concurrency) {
        return Integer.highestOneBit(Math.max(1, concurrency));
    }

    private Uni<ImportResult> run(StageContext context, RmtPlan plan) {
        long started = System.nanoTime();
        long size = size(plan.snapshot());
        return Uni.createFrom().item(() -> start(context, plan, size))
                // Starting a process and reading its output block: a worker thread, and threads of their own.
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .chain(run -> Uni.createFrom().completionStage(run.process().onExit()).replaceWith(run)
                        .onCancellation().invoke(() -> killTree(run.process())))
                .chain(run -> Uni.createFrom().item(() -> {
                    run.awaitOutputRead();
                    return outcome(context, plan, run.process().exitValue(), size, started);
                }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool()));
    }

    /** A running rmt and the thread reading its output, which may still hold the last lines when the process exits. */
    private record RmtRun(Process process, Thread outputReader) {
        void awaitOutputRead() {
            try {
                outputReader.join(OUTPUT_DRAIN_WAIT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private RmtRun start(StageContext context, RmtPlan plan, long size) {
        ProcessBuilder builder = new ProcessBuilder(plan.arguments()).redirectErrorStream(true);
        builder.environment().putAll(environment);
        builder.environment().put("JAVA_TOOL_OPTIONS", plan.javaToolOptions());
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start rmt (" + plan.rmt() + "): " + e.getMessage(), e);
        }
        context.info("rmt started (pid " + process.pid() + ") on " + plan.snapshot() + " (" + size + " bytes): "
                + hidePasswords(Secrets.mask(String.join(" ", plan.arguments().subList(1, plan.arguments().size())))));
        Thread reader = new Thread(() -> readOutput(context, process.getInputStream(), size), "df2redis-rmt-output");
        reader.setDaemon(true);
        reader.start();
        return new RmtRun(process, reader);
    }

    /** Splits rmt's output on \r and \n: progress lines become progress, other lines go to the log. */
    private void readOutput(StageContext context, InputStream output, long size) {
        StringBuilder line = new StringBuilder();
        try {
            for (int c = output.read(); c >= 0; c = output.read()) {
                if (c == '\r' || c == '\n') {
                    handleLine(context, line.toString(), size);
                    line.setLength(0);
                } else {
                    line.append((char) c);
                }
            }
            handleLine(context, line.toString(), size);
        } catch (IOException e) {
            Log.debugf("rmt output closed: %s", e.getMessage());
        }
    }

    private void handleLine(StageContext context, String line, long size) {
        if (line.isBlank()) {
            return;
        }
        Optional<RmtProgress> progress = RmtProgress.parse(line);
        if (progress.isPresent()) {
            RmtProgress p = progress.get();
            context.progress(p.bytesRead(), p.totalBytes() != null ? p.totalBytes() : size, "bytes");
            context.metric("import_bytes_read", p.bytesRead());
        } else {
            Log.infof("rmt: %s", hidePasswords(Secrets.mask(line)));
        }
    }

    private ImportResult outcome(StageContext context, RmtPlan plan, int exit, long size, long started) {
        RmtOutcome outcome = RmtOutcome.read(newLogLines(plan));
        double seconds = (System.nanoTime() - started) / 1e9;
        context.metric("import_failures", outcome.failed());
        context.metric("import_skipped_existing", outcome.busyKeys());
        context.metric("import_skipped_expired", outcome.expired());
        switch (exit) {
            case 0 -> {
                long counted = outcome.failed()
                        + (config.migrate().conflictPolicy() == MigrationConfig.ConflictPolicy.FAIL ? outcome.busyKeys() : 0);
                if (counted > config.migrate().maxFailures()) {
                    throw new TooManyFailuresException(counted + " keys failed in rmt (migrate.maxFailures is "
                            + config.migrate().maxFailures() + "); see " + plan.logFile() + ": " + String.join("; ", outcome.samples()));
                }
                context.progress(size, size, "bytes");
                return new ImportResult(0, size, outcome.expired(), outcome.busyKeys(), 0, Map.of(), outcome.failed(),
                        config.source().db().isPresent() ? 1 : 0, seconds, false);
            }
            case 255 -> throw new IllegalStateException("rmt could not connect to the target or hit a fatal error (exit 255); "
                    + "last log lines: " + String.join(" | ", outcome.lastLines()));
            case 2 -> throw new IllegalStateException("rmt refused its arguments (exit 2): this is a df2redis bug or a bad "
                    + "migrate.rdbToolArgs; last log lines: " + String.join(" | ", outcome.lastLines()));
            default -> throw new IllegalStateException("rmt failed (exit " + exit + "); last log lines: "
                    + String.join(" | ", outcome.lastLines()));
        }
    }

    private List<String> newLogLines(RmtPlan plan) {
        try {
            if (!Files.exists(plan.logFile())) {
                return List.of();
            }
            byte[] all = Files.readAllBytes(plan.logFile());
            int from = (int) Math.min(all.length, plan.logOffset());
            String fresh = new String(all, from, all.length - from, StandardCharsets.UTF_8);
            return List.of(hidePasswords(Secrets.mask(fresh)).split("\\R"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read rmt's log " + plan.logFile() + ": " + e.getMessage(), e);
        }
    }

    /** rmt logs the target URI it was given, password included. */
    static String hidePasswords(String text) {
        return text.replaceAll("authPassword=[^&\\s]*", "authPassword=******");
    }

    private static void killTree(Process process) {
        process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }
}
