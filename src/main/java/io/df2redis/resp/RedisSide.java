package io.df2redis.resp;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * One side (source or target) as a reactive RESP client. Every call has a timeout and a bounded
 * retry that only catches failures that may pass (see {@link RemoteFailure}), and its failures
 * are worded for the operator.
 */
public class RedisSide implements AutoCloseable {

    private static final int CALL_RETRIES = 3;

    private final RedisEndpoint endpoint;
    private final Vertx vertx;
    private final Duration timeout;
    private final Redis client;
    private NetClient netClient;

    public RedisSide(Vertx vertx, RedisEndpoint endpoint, Duration timeout, int poolSize) {
        this.vertx = vertx;
        this.endpoint = endpoint;
        this.timeout = timeout;
        this.client = Redis.createClient(vertx, options(endpoint, timeout, poolSize, 0));
    }

    static RedisOptions options(RedisEndpoint endpoint, Duration timeout, int poolSize, int db) {
        RedisOptions options = new RedisOptions()
                .setType(endpoint.cluster() ? RedisClientType.CLUSTER : RedisClientType.STANDALONE)
                .setMaxPoolSize(poolSize)
                .setMaxPoolWaiting(poolSize * 64)
                .setMaxWaitingHandlers(4096)
                .setNetClientOptions(netOptions(endpoint, timeout));
        for (String address : endpoint.cluster() ? endpoint.addresses() : endpoint.addresses().subList(0, 1)) {
            options.addConnectionString(endpoint.connectionString(address, db));
        }
        endpoint.password().ifPresent(options::setPassword);
        return options;
    }

    /**
     * With {@code tls}, the server's certificate must be trusted by the JVM's trust store (for a private CA:
     * {@code -Djavax.net.ssl.trustStore=...} in {@code JAVA_OPTS}) and name the host of the address (Vert.x
     * refuses TLS without a hostname verification algorithm).
     */
    private static NetClientOptions netOptions(RedisEndpoint endpoint, Duration timeout) {
        return new NetClientOptions()
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
                .setTcpNoDelay(true)
                .setTcpKeepAlive(true)
                .setSsl(endpoint.tls())
                .setHostnameVerificationAlgorithm(endpoint.tls() ? "HTTPS" : "");
    }

    /**
     * A {@link LeanConnection} to this side's (first) address, logged in and on database {@code db}, for
     * the copy's hot path; bulk replies longer than {@code bulkLimit} are skipped. All of them share one
     * event loop ({@link LeanLoop}). The caller closes it.
     */
    public Uni<LeanConnection> pipelined(int db, long bulkLimit) {
        String address = endpoint.addresses().get(0);
        return guarded(Uni.createFrom().<LeanConnection>deferred(() -> PipelinedConnection.open(netClient(), LeanLoop.of(vertx.getDelegate()), endpoint,
                address, db, bulkLimit)), "connect");
    }

    private synchronized NetClient netClient() {
        if (netClient == null) {
            netClient = vertx.getDelegate().createNetClient(netOptions(endpoint, timeout));
        }
        return netClient;
    }

    public RedisEndpoint endpoint() {
        return endpoint;
    }

    public Duration timeout() {
        return timeout;
    }

    /** Sends one command with the timeout and bounded retry; {@code what} names it in messages. */
    public Uni<Response> send(Request request, String what) {
        return guarded(Uni.createFrom().deferred(() -> client.send(request)), what);
    }

    public Uni<Response> send(Command command, String... args) {
        Request request = Request.cmd(command);
        for (String arg : args) {
            request.arg(arg);
        }
        return send(request, command.toString());
    }

    /**
     * Another client of the same side with its own pool of {@code poolSize} connections, for work that
     * holds dedicated connections (each {@link #connect} takes one from the pool until it is closed, and a
     * full pool makes the next connect wait). The caller closes it.
     */
    public RedisSide withPoolSize(int poolSize) {
        return new RedisSide(vertx, endpoint, timeout, poolSize);
    }

    /** One PING with the timeout and no retry: for health checks, which must answer quickly and truthfully. */
    public Uni<Response> ping() {
        return Uni.createFrom().deferred(() -> client.send(Request.cmd(Command.PING)))
                .ifNoItem().after(timeout).failWith(() -> new TimeoutException("PING timed out after " + timeout))
                .onFailure().transform(e -> RemoteFailure.describe(endpoint, "PING", e));
    }

    /** A dedicated connection (e.g. to SELECT a database for a SCAN); the caller closes it. */
    public Uni<RedisConnection> connect(int db) {
        Uni<RedisConnection> connect = Uni.createFrom().deferred(client::connect);
        if (db == 0) {
            return guarded(connect, "connect");
        }
        return guarded(connect, "connect")
                .call(connection -> guarded(connection.send(Request.cmd(Command.SELECT).arg(db)), "SELECT " + db)
                        .onFailure().call(connection::close));
    }

    /** Sends on a dedicated connection with the same timeout and wording (no retry: the connection's state matters). */
    public Uni<Response> send(RedisConnection connection, Request request, String what) {
        return connection.send(request)
                .ifNoItem().after(timeout).failWith(() -> new TimeoutException(what + " timed out after " + timeout))
                .onFailure().transform(e -> RemoteFailure.describe(endpoint, what, e));
    }

    /**
     * Sends on a lean connection with the same timeout and wording (no retry: the connection's state
     * matters); an error reply fails the call with the server's message.
     */
    public Uni<RespReplies> send(LeanConnection connection, RespCommands commands, String what) {
        return connection.send(commands)
                .onItem().transformToUni(RedisSide::failOnErrorReply)
                .ifNoItem().after(timeout).failWith(() -> new TimeoutException(what + " timed out after " + timeout))
                .onFailure().transform(e -> RemoteFailure.describe(endpoint, what, e));
    }

    private static Uni<RespReplies> failOnErrorReply(RespReplies replies) {
        int error = replies.firstError();
        return error < 0 ? Uni.createFrom().item(replies)
                : Uni.createFrom().failure(new IllegalStateException(replies.errorMessage(error)));
    }

    public <T> Uni<T> guarded(Uni<T> call, String what) {
        return call
                .ifNoItem().after(timeout).failWith(() -> new TimeoutException(what + " timed out after " + timeout))
                .onFailure(RemoteFailure::transientFailure).retry()
                .withBackOff(Duration.ofMillis(100), Duration.ofSeconds(2)).atMost(CALL_RETRIES)
                .onFailure().transform(e -> RemoteFailure.describe(endpoint, what, e));
    }

    @Override
    public void close() {
        client.close();
        synchronized (this) {
            if (netClient != null) {
                netClient.close();
                netClient = null;
            }
        }
    }

    Vertx vertx() {
        return vertx;
    }
}
