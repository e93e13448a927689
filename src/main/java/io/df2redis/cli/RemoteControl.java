package io.df2redis.cli;

import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationPaths;
import io.df2redis.config.Secrets;
import com.fasterxml.jackson.databind.JsonNode;
import io.df2redis.migration.MigrationRuntime;
import io.df2redis.state.MigrationEvent;
import io.df2redis.state.MigrationStatus;
import io.df2redis.state.PipelineStatus;
import io.df2redis.state.StateDirLock;
import io.df2redis.state.StatusFileException;
import io.df2redis.state.StatusStore;
import io.df2redis.state.StatusJson;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * Commands that act on a running service ({@code serve}) through its REST API at
 * {@code dashboard.addr} (or the address a {@code migrate --show} recorded in the state directory),
 * with {@code control.token}: {@code advance}, and {@code rollback} when a service is running (a second
 * process must not drive the same proxy and state), which it follows to its end.
 */
final class RemoteControl {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final int LOST_AFTER = 3;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final MigrationConfig config;
    private final String base;

    RemoteControl(MigrationConfig config) {
        this(config, baseOf(config.dashboard().addr()));
    }

    private RemoteControl(MigrationConfig config, String base) {
        this.config = config;
        this.base = base;
    }

    /** {@code http://host:port} for a listen address; a wildcard host is reached on the loopback. */
    static String baseOf(String address) {
        String[] hostPort = Df2redisMain.splitHostPort(address);
        String host = hostPort[0].equals("0.0.0.0") || hostPort[0].isEmpty() ? "127.0.0.1" : hostPort[0];
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + hostPort[1];
    }

    /**
     * The service that runs plans on this state directory, if one answers: at {@code dashboard.addr}
     * ({@code serve}), or at the address the state directory's holder recorded ({@code migrate --show PORT}).
     */
    static Optional<RemoteControl> find(MigrationConfig config, MigrationPaths paths) {
        RemoteControl atDashboard = new RemoteControl(config);
        if (atDashboard.serviceRunning()) {
            return Optional.of(atDashboard);
        }
        return StateDirLock.recordedApi(paths.stateDir())
                .filter(api -> !api.equals(atDashboard.base))
                .map(api -> new RemoteControl(config, api))
                .filter(RemoteControl::serviceRunning);
    }

    /** True when a df2redis service answers its health check at {@code dashboard.addr}. */
    boolean serviceRunning() {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(base + "/q/health/live")).timeout(Duration.ofSeconds(2)).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** POSTs to {@code path}; prints the outcome; exit 0 when accepted. */
    int post(String path, String what, PrintStream out, PrintStream err) {
        Optional<String> token = config.control().token().filter(t -> !t.isBlank());
        if (token.isEmpty()) {
            err.println("df2redis " + what + ": no control token: set control.token in the migration file or DF2REDIS_CONTROL_TOKEN");
            return ExitCodes.BAD_INPUT;
        }
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT)
                    .header("Authorization", "Bearer " + token.get())
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 202) {
                out.println(what + ": accepted by the service at " + base);
                return ExitCodes.DONE;
            }
            String detail = response.body();
            try {
                detail = StatusJson.MAPPER.readTree(response.body()).path("detail").asText(response.body());
            } catch (IOException e) {
                // not JSON: print it as it came
            }
            err.println("df2redis " + what + ": the service answered " + response.statusCode() + ": " + Secrets.mask(detail));
            return ExitCodes.FAILED;
        } catch (IOException e) {
            err.println("df2redis " + what + ": no df2redis service answers at " + base + " (dashboard.addr; "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
                    + "): start it with df2redis serve on this migration file, then " + what + " again");
            return ExitCodes.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCodes.FAILED;
        }
    }

    /**
     * Asks the service to roll back and follows the rollback to its end, printing its events. Exit 0
     * when it succeeded; 1 when it failed, was blocked, or the service stopped answering first; 2 when
     * the service refused it (nothing to roll back, or a rollback already runs).
     */
    int rollback(MigrationPaths paths, boolean json, PrintStream out, PrintStream err) {
        Optional<String> token = config.control().token().filter(t -> !t.isBlank());
        if (token.isEmpty()) {
            err.println("df2redis rollback: no control token: set control.token in the migration file or DF2REDIS_CONTROL_TOKEN");
            return ExitCodes.BAD_INPUT;
        }
        try {
            long seen = status(token.get()).path("eventCount").asLong();
            HttpResponse<String> started = send(HttpRequest.newBuilder(URI.create(base + "/api/v1/migration/rollback"))
                    .POST(HttpRequest.BodyPublishers.noBody()), token.get());
            if (started.statusCode() != 202) {
                err.println("df2redis rollback: " + Secrets.mask(detail(started.body())));
                return started.statusCode() == 409 ? ExitCodes.BAD_INPUT : ExitCodes.FAILED;
            }
            out.println("rollback: started by the service at " + base + "; following it to its end "
                    + "(Ctrl-C stops following, not the rollback)");
            return follow(paths, token.get(), seen, json, out, err);
        } catch (IOException e) {
            err.println("df2redis rollback: the service at " + base + " stopped answering (" + e.getMessage()
                    + "); run df2redis rollback again");
            return ExitCodes.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCodes.FAILED;
        }
    }

    /** Polls the status until the rollback plan has ended; bounded per request, and by {@link #LOST_AFTER} failures in a row. */
    private int follow(MigrationPaths paths, String token, long seen, boolean json, PrintStream out, PrintStream err)
            throws InterruptedException {
        int failures = 0;
        boolean endSeen = false;
        while (true) {
            Thread.sleep(POLL.toMillis());
            JsonNode status;
            try {
                status = status(token);
                failures = 0;
            } catch (IOException e) {
                if (++failures < LOST_AFTER) {
                    continue;
                }
                return lost(paths, seen, json, out, err);
            }
            seen = printEvents(status.path("recentEvents"), seen, json, out);
            PipelineStatus now = PipelineStatus.of(status.path("status").asText("idle"));
            if (MigrationRuntime.ROLLBACK.equals(status.path("plan").asText()) && !now.active()) {
                // The last events follow the status by a moment: one more poll prints them.
                if (endSeen || status.path("recentEvents").toString().contains("\"pipeline." + now.json() + "\"")) {
                    return ended(now, status.path("message").asText(), out, err);
                }
                endSeen = true;
            }
        }
    }

    /** The service went away during the rollback: what its status file says, and what to do. */
    private int lost(MigrationPaths paths, long seen, boolean json, PrintStream out, PrintStream err) {
        Optional<MigrationStatus> last;
        try {
            last = StatusStore.read(paths.statusFile());
        } catch (StatusFileException e) {
            last = Optional.empty();
        }
        if (last.isPresent() && MigrationRuntime.ROLLBACK.equals(last.get().plan) && !last.get().status.active()) {
            // It ended and the process with it (a migrate --show ends with its rollback): the events the
            // last polls did not get are in its status file.
            printEvents(StatusJson.MAPPER.valueToTree(last.get().recentEvents), seen, json, out);
            return ended(last.get().status, last.get().message, out, err);
        }
        err.println("df2redis rollback: the service at " + base + " stopped before the rollback ended (last status: "
                + last.map(s -> s.message == null ? s.status.json() : Secrets.mask(s.message)).orElse("unknown")
                + "); run df2redis rollback again to finish it from its checkpoint");
        return ExitCodes.FAILED;
    }

    private static int ended(PipelineStatus status, String message, PrintStream out, PrintStream err) {
        if (status == PipelineStatus.SUCCEEDED) {
            out.println("rollback succeeded: " + message);
            return ExitCodes.DONE;
        }
        err.println("df2redis rollback: " + status.json() + ": " + Secrets.mask(message));
        return ExitCodes.FAILED;
    }

    private static long printEvents(JsonNode events, long seen, boolean json, PrintStream out) {
        long last = seen;
        for (JsonNode node : events) {
            if (node.path("seq").asLong() <= seen) {
                continue;
            }
            try {
                out.println(StatusPrinter.line(StatusJson.MAPPER.treeToValue(node, MigrationEvent.class), json));
            } catch (IOException e) {
                out.println(node.toString());
            }
            last = Math.max(last, node.path("seq").asLong());
        }
        return last;
    }

    private JsonNode status(String token) throws IOException, InterruptedException {
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(base + "/api/v1/migration")).GET(), token);
        if (response.statusCode() != 200) {
            throw new IOException("GET /api/v1/migration answered " + response.statusCode());
        }
        return StatusJson.MAPPER.readTree(response.body());
    }

    private HttpResponse<String> send(HttpRequest.Builder request, String token) throws IOException, InterruptedException {
        return http.send(request.timeout(TIMEOUT).header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String detail(String body) {
        try {
            return StatusJson.MAPPER.readTree(body).path("detail").asText(body);
        } catch (IOException e) {
            return body;
        }
    }
}
