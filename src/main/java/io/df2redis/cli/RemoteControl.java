package io.df2redis.cli;

import io.df2redis.config.MigrationConfig;
import io.df2redis.config.Secrets;
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
 * {@code dashboard.addr}, with {@code control.token}: {@code advance}, and {@code rollback} when a
 * service is running (a second process must not drive the same proxy and state).
 */
final class RemoteControl {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final MigrationConfig config;
    private final String base;

    RemoteControl(MigrationConfig config) {
        this.config = config;
        String[] hostPort = Df2redisMain.splitHostPort(config.dashboard().addr());
        String host = hostPort[0].equals("0.0.0.0") || hostPort[0].isEmpty() ? "127.0.0.1" : hostPort[0];
        this.base = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + hostPort[1];
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
}
