package io.df2redis.migration.stage;

import io.df2redis.config.MigrationConfig;
import io.df2redis.migration.scripts.UndeclaredKeys;
import io.df2redis.migration.engine.Stage;
import io.df2redis.migration.engine.StageContext;
import io.df2redis.migration.engine.StageResult;
import io.df2redis.resp.RedisEndpoints;
import io.df2redis.resp.RedisSide;
import io.df2redis.resp.ServerInfo;
import io.df2redis.resp.TlsProbe;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.df2redis.proxy.ProxyRuntime;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Phase 1 of the migration model: both sides answer (auth, TLS, timeouts), who they are
 * ({@code INFO}: Dragonfly or Redis, version, mode, cluster), whether the target has room for the
 * source's data, takes writes and has the databases the copy uses, and whether the target is empty as
 * {@code migrate.targetNonEmpty} demands. A side that cannot be reached is probed for a TLS mismatch.
 * Read-only on both sides: it runs before anything is written.
 */
@ApplicationScoped
public class PrecheckStage implements Stage {

    private final RedisEndpoints redis;
    private final MigrationConfig config;
    private final UndeclaredKeys undeclaredKeys;

    public PrecheckStage(RedisEndpoints redis, MigrationConfig config, UndeclaredKeys undeclaredKeys) {
        this.undeclaredKeys = undeclaredKeys;
        this.redis = redis;
        this.config = config;
    }

    @Override
    public String name() {
        return "precheck";
    }

    @Override
    public String description() {
        return "connect to both sides, identify them and check room and emptiness of the target";
    }

    @Override
    public Uni<StageResult> run(StageContext context) {
        return Uni.combine().all()
                .unis(identify(redis.source()), identifyTarget(), proxyRuntime())
                .asTuple()
                .chain(checks -> databases(checks.getItem1())
                        .map(problems -> evaluate(context, checks.getItem1(), checks.getItem2(), checks.getItem3(), problems))
                        .call(result -> undeclaredKeys.check(context, redis.source(), checks.getItem1())));
    }

    private Uni<ServerInfo> identify(RedisSide side) {
        return side.send(Command.PING)
                .chain(() -> side.send(Command.INFO))
                .map(reply -> ServerInfo.parse(reply.toString()))
                .onFailure().recoverWithUni(failure -> explainTls(side, failure));
    }

    /** The target as one {@link ServerInfo}; for a cluster the masters' memory and keys are summed. */
    private Uni<TargetView> identifyTarget() {
        return redis.targetMasters()
                .onFailure().recoverWithUni(failure -> explainTls(redis.target(), failure))
                .chain(masters -> Uni.join().all(masters.stream().map(this::identify).toList()).andFailFast())
                .map(TargetView::new);
    }

    /**
     * A side that could not be reached may be one whose TLS setting does not match the server: a TLS client
     * against a plain-text server only times out. Then the failure says so; otherwise it stays as it was.
     */
    private <T> Uni<T> explainTls(RedisSide side, Throwable failure) {
        // Blocking socket probes (connect, read with the remote timeout): off the event loop.
        return Uni.createFrom().item(() -> TlsProbe.mismatch(side.endpoint(), side.timeout()))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .chain(mismatch -> Uni.createFrom().failure(mismatch.<Throwable>map(IllegalStateException::new).orElse(failure)));
    }

    /**
     * The databases the copy will use exist on both sides: {@code source.db} on the source, and on a
     * standalone target the highest database the copy writes ({@code source.db}, or the source's highest
     * database that holds keys). Told by {@code SELECT} on a connection of its own, which writes nothing.
     */
    private Uni<List<String>> databases(ServerInfo source) {
        List<Uni<Optional<String>>> checks = new ArrayList<>();
        Optional<Integer> db = config.source().db();
        db.filter(n -> n > 0).ifPresent(n -> checks.add(selectable(redis.source(), n, "source.db: " + n
                + " is not a database of the source (%s): set source.db to one it has, or leave it out to copy every database")));
        int highest = db.orElseGet(() -> source.keysPerDb().entrySet().stream()
                .filter(e -> e.getValue() > 0)
                .mapToInt(Map.Entry::getKey)
                .max().orElse(0));
        if (highest > 0 && config.target().type() != MigrationConfig.TargetType.REDIS_CLUSTER) {
            checks.add(selectable(redis.target(), highest, "the target has no database " + highest + " (%s) for the source's keys of db"
                    + highest + ": raise 'databases' in the target's configuration, or set source.db to a database both sides have"));
        }
        if (checks.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return Uni.join().all(checks).andFailFast()
                .map(found -> found.stream().flatMap(Optional::stream).toList());
    }

    /** Empty when {@code SELECT db} succeeds; the message (with the server's answer at {@code %s}) when the server has no such database. */
    private static Uni<Optional<String>> selectable(RedisSide side, int db, String message) {
        return side.connect(db)
                .call(connection -> connection.close())
                .map(connection -> Optional.<String>empty())
                .onFailure(PrecheckStage::noSuchDatabase)
                .recoverWithItem(failure -> Optional.of(message.formatted(serverAnswer(failure))));
    }

    private static boolean noSuchDatabase(Throwable failure) {
        String message = String.valueOf(failure.getMessage());
        return message.contains("DB index") || message.contains("invalid DB") || message.contains("out of range");
    }

    private static String serverAnswer(Throwable failure) {
        String message = String.valueOf(failure.getMessage());
        int err = message.indexOf("ERR ");
        return "it answered " + (err >= 0 ? message.substring(err) : message);
    }

    /** What the proxy would run with (live mode only); file checks, so off the event loop. */
    private Uni<Optional<RuntimeCheck>> proxyRuntime() {
        if (config.migrate().mode() != MigrationConfig.Mode.LIVE) {
            return Uni.createFrom().item(Optional.empty());
        }
        return Uni.createFrom().item(() -> {
                    try {
                        return Optional.of(new RuntimeCheck(true, ProxyRuntime.check(config)));
                    } catch (IllegalStateException e) {
                        return Optional.of(new RuntimeCheck(false, e.getMessage()));
                    }
                })
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private record RuntimeCheck(boolean ok, String text) {
    }

    private StageResult evaluate(StageContext context, ServerInfo source, TargetView target, Optional<RuntimeCheck> runtime,
            List<String> databaseProblems) {
        context.finding("source", describe(source, source.usedMemory(), source.maxMemory(), source.totalKeys()));
        context.finding("target", describe(target.first(), target.usedMemory(), target.maxMemory(), target.keys()));
        context.finding("targetMasters", target.masters.size());
        context.metric("source_used_memory_bytes", source.usedMemory());
        context.metric("source_keys", source.totalKeys());
        context.metric("target_keys", target.keys());

        List<String> failures = new ArrayList<>();
        checkIdentity(source, target, failures);
        checkDeclaredSourceType(context, source);
        checkTargetShape(target, failures);
        checkTargetWritable(target, failures);
        failures.addAll(databaseProblems);
        checkDatabasesFitTheTarget(source, failures);
        checkMemory(source, target, failures);
        checkEmptiness(context, target, failures);
        runtime.ifPresent(check -> {
            if (check.ok()) {
                context.finding("proxyRuntime", check.text());
            } else {
                failures.add(check.text());
            }
        });
        if (source.clusterEnabled()) {
            context.warn("the source reports cluster mode (" + source.mode() + "): only the node at "
                    + config.source().addr() + " is read");
        }
        if (!failures.isEmpty()) {
            return StageResult.failed(String.join("; ", failures));
        }
        return StageResult.succeeded("source " + source.kind() + " " + source.version() + " (" + source.totalKeys()
                + " keys, " + megabytes(source.usedMemory()) + ") -> target " + target.first().kind() + " "
                + target.first().version() + " " + (target.masters.size() > 1 ? "cluster of " + target.masters.size() + " masters" : "standalone")
                + " (" + target.keys() + " keys)");
    }

    private void checkDeclaredSourceType(StageContext context, ServerInfo source) {
        String declared = config.source().type().name().toLowerCase();
        if (!declared.equals(source.kind())) {
            context.warn("source.type says " + declared + " but the source reports " + source.kind() + " "
                    + source.version() + "; df2redis goes by what the server reports");
        }
    }

    private void checkTargetShape(TargetView target, List<String> failures) {
        boolean declaredCluster = config.target().type() == MigrationConfig.TargetType.REDIS_CLUSTER;
        boolean actualCluster = target.first().clusterEnabled();
        if (declaredCluster && !actualCluster) {
            failures.add("target.type is redis-cluster but the target is not a cluster (cluster_enabled:0): "
                    + "set target.type: redis-standalone");
        } else if (!declaredCluster && actualCluster) {
            failures.add("the target is a Redis Cluster but target.type is redis-standalone: "
                    + "set target.type: redis-cluster and list its seeds in target.seed");
        }
    }

    /**
     * Source and target must hold two datasets: not one server (whatever addresses name it), nor a
     * replica and its master, nor two replicas of one master. Told by what the servers say
     * ({@code run_id}, the replication id), not by addresses; no setting overrides it.
     */
    private void checkIdentity(ServerInfo source, TargetView target, List<String> failures) {
        for (ServerInfo node : target.masters) {
            String sourceRun = source.fields().getOrDefault("run_id", "");
            if (!sourceRun.isEmpty() && sourceRun.equals(node.fields().get("run_id"))) {
                failures.add("source and target are the same server (run_id " + sourceRun + ", reached as " + config.source().addr()
                        + " and as a target " + (target.masters.size() > 1 ? "cluster node" : "address") + "): df2redis would copy "
                        + "the keyspace onto itself, and a rollback purge would delete it; point target.seed at another server");
                return;
            }
            String sourceReplication = source.fields().getOrDefault("master_replid", "");
            if (!sourceReplication.isEmpty() && sourceReplication.equals(node.fields().get("master_replid"))) {
                failures.add("source (role " + source.fields().getOrDefault("role", "?") + ") and target (role "
                        + node.fields().getOrDefault("role", "?") + ") share the replication id " + sourceReplication
                        + ": one replicates the other, so they hold one dataset; migrate to a server that is not a replica of the "
                        + "source (REPLICAOF NO ONE on it first if it must be that server)");
                return;
            }
        }
    }

    /**
     * Every target master takes writes: a replica (read-only by default) refuses them, or loses them at its next
     * sync with its master. Told by {@code INFO replication}; for a cluster, by each master df2redis writes to.
     */
    private void checkTargetWritable(TargetView target, List<String> failures) {
        for (ServerInfo node : target.masters) {
            String role = node.fields().getOrDefault("role", "master");
            if (role.equals("slave") || role.equals("replica")) {
                boolean readOnly = !"0".equals(node.fields().getOrDefault("slave_read_only", "1"))
                        && !"no".equals(node.fields().get("slave_read_only"));
                failures.add("the target " + (target.masters.size() > 1 ? "node " : "") + "is a " + (readOnly ? "read-only " : "")
                        + "replica of " + node.fields().getOrDefault("master_host", "?") + ":" + node.fields().getOrDefault("master_port", "?")
                        + " (role:" + role + "), so it " + (readOnly ? "refuses writes" : "would drop the copy at its next sync")
                        + ": point target.seed at a master, or run REPLICAOF NO ONE on it first");
            }
        }
    }

    /** A Redis Cluster has database 0 only: keys of the source's other databases would have nowhere to go. */
    private void checkDatabasesFitTheTarget(ServerInfo source, List<String> failures) {
        if (config.target().type() != MigrationConfig.TargetType.REDIS_CLUSTER) {
            return;
        }
        Map<Integer, Long> elsewhere = new java.util.TreeMap<>(source.keysPerDb());
        elsewhere.remove(0);
        elsewhere.values().removeIf(keys -> keys == 0);
        if (!elsewhere.isEmpty()) {
            StringBuilder listed = new StringBuilder();
            elsewhere.forEach((db, keys) -> listed.append(listed.length() == 0 ? "" : ", ").append("db").append(db).append(": ")
                    .append(keys).append(" keys"));
            failures.add("the source has keys outside database 0 (" + listed + ") but a Redis Cluster target has database 0 only: "
                    + "move them to database 0 on the source, or migrate those databases to a standalone target");
        }
    }

    private void checkMemory(ServerInfo source, TargetView target, List<String> failures) {
        long limit = target.maxMemory();
        if (limit <= 0) {
            return;
        }
        long room = limit - target.usedMemory();
        if (source.usedMemory() > room) {
            failures.add("the target has room for " + megabytes(Math.max(0, room)) + " (maxmemory " + megabytes(limit)
                    + ", used " + megabytes(target.usedMemory()) + ") but the source uses " + megabytes(source.usedMemory())
                    + ": raise maxmemory on the target or free memory there");
        }
    }

    private void checkEmptiness(StageContext context, TargetView target, List<String> failures) {
        long keys = target.keys();
        if (keys == 0) {
            return;
        }
        if (config.migrate().targetNonEmpty() == MigrationConfig.TargetNonEmptyPolicy.FAIL) {
            failures.add("the target already holds " + keys + " keys: empty it, or set migrate.targetNonEmpty: allow "
                    + "to copy over them");
        } else {
            context.warn("the target already holds " + keys + " keys; migrate.targetNonEmpty: allow lets the copy overwrite them");
        }
    }

    private static Map<String, Object> describe(ServerInfo info, long usedMemory, long maxMemory, long keys) {
        Map<String, Object> found = new LinkedHashMap<>();
        found.put("kind", info.kind());
        found.put("version", info.version());
        found.put("mode", info.mode());
        found.put("cluster", info.clusterEnabled());
        found.put("usedMemoryBytes", usedMemory);
        found.put("maxMemoryBytes", maxMemory);
        found.put("keys", keys);
        Map<String, Long> perDb = new LinkedHashMap<>();
        info.keysPerDb().forEach((db, count) -> perDb.put("db" + db, count));
        found.put("keysPerDb", perDb);
        return found;
    }

    private static String megabytes(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MB", bytes / 1048576.0);
    }

    private record TargetView(List<ServerInfo> masters) {
        ServerInfo first() {
            return masters.get(0);
        }

        long usedMemory() {
            return masters.stream().mapToLong(ServerInfo::usedMemory).sum();
        }

        long maxMemory() {
            return masters.stream().anyMatch(m -> m.maxMemory() == 0) ? 0
                    : masters.stream().mapToLong(ServerInfo::maxMemory).sum();
        }

        long keys() {
            return masters.stream().mapToLong(ServerInfo::totalKeys).sum();
        }
    }
}
