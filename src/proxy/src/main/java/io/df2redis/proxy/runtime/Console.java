package io.df2redis.proxy.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.netease.nim.camellia.redis.proxy.conf.MultiWriteMode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.df2redis.contract.console.ConsoleError;
import io.df2redis.contract.console.ConsoleJson;
import io.df2redis.contract.console.FenceState;
import io.df2redis.contract.console.MultiWriteModeState;
import io.df2redis.contract.console.ProxyStatus;
import io.df2redis.contract.console.ReadsState;
import io.df2redis.contract.console.RouteState;
import io.df2redis.contract.console.ScriptBodies;
import io.df2redis.contract.console.ScriptRecorded;
import io.df2redis.contract.secrets.RedisUrls;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * The proxy's HTTP console for the df2redis service, bound to loopback by default:
 * <ul>
 *   <li>{@code GET /status}: route (credentials masked), fence, in-flight writes, journal, unmirrorable commands;</li>
 *   <li>{@code POST /route} (body: a Camellia resource table): validated, applied, written back; 400 keeps the old route;</li>
 *   <li>{@code POST /fence?state=on|off[&mode=reject|hold]};</li>
 *   <li>{@code POST /multi-write-mode?mode=FIRST_RESOURCE_ONLY|ALL_RESOURCES_NO_CHECK|ALL_RESOURCES_CHECK_ERROR};</li>
 *   <li>{@code POST /journal/applied?seq=N}: the drain applied every journal record up to N (reads of keys
 *   written later go to the primary while reads are split);</li>
 *   <li>{@code GET /scripts}: the script bodies seen through the proxy (base64), with their figures;
 *   {@code POST /scripts} (body: one script) records a body the service found elsewhere (the source's own list).</li>
 * </ul>
 * Every request needs {@code Authorization: Bearer <console.token>} (the scheme in any case); the
 * console answers 401 otherwise, and compares the token in constant time. Answers are the contract's
 * {@code io.df2redis.contract.console} records; every refusal is a {@link ConsoleError}.
 */
final class Console implements AutoCloseable {

    private final HttpServer server;
    private final RouteUpdater route;
    private final Fence fence;
    private final JournalPlugin plugin;
    private final DirtyKeyJournal journal;
    private final MetaCas metaCas;
    private final MultiWriteModes multiWriteModes;
    private final UnappliedWrites unapplied;
    private final byte[] token;

    Console(ProxySettings settings, RouteUpdater route, Fence fence, JournalPlugin plugin, DirtyKeyJournal journal, MetaCas metaCas,
            MultiWriteModes multiWriteModes, UnappliedWrites unapplied) throws IOException {
        this.unapplied = unapplied;
        this.metaCas = metaCas;
        this.multiWriteModes = multiWriteModes;
        this.token = settings.consoleToken.getBytes(StandardCharsets.UTF_8);
        this.route = route;
        this.fence = fence;
        this.plugin = plugin;
        this.journal = journal;
        // A response's head and body go out as two writes: without TCP_NODELAY the body waits for the
        // client's delayed ACK (40 ms), and the fence's lift and route change are on the flip's pause.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        this.server = HttpServer.create(new InetSocketAddress(settings.consoleHost, settings.consolePort), 16);
        this.server.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread thread = new Thread(r, "df2redis-console");
            thread.setDaemon(true);
            return thread;
        }));
        server.createContext("/status", guarded(this::status));
        server.createContext("/route", guarded(this::route));
        server.createContext("/fence", guarded(this::fence));
        server.createContext("/monitor", guarded(this::monitor));
        server.createContext("/multi-write-mode", guarded(this::multiWriteMode));
        server.createContext("/journal/applied", guarded(this::journalApplied));
        server.createContext("/scripts", guarded(this::scripts));
        server.start();
    }

    private HttpHandler guarded(HttpHandler handler) {
        return exchange -> {
            if (!authorized(exchange.getRequestHeaders().getFirst("Authorization"))) {
                exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
                refuse(exchange, 401, "the proxy console needs Authorization: Bearer <proxy.consoleToken>");
                return;
            }
            handler.handle(exchange);
        };
    }

    private boolean authorized(String header) {
        if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return MessageDigest.isEqual(token, header.substring(7).trim().getBytes(StandardCharsets.UTF_8));
    }

    private void multiWriteMode(HttpExchange exchange) throws IOException {
        if ("POST".equals(exchange.getRequestMethod())) {
            String mode = query(exchange.getRequestURI()).get("mode");
            try {
                multiWriteModes.apply(MultiWriteMode.valueOf(String.valueOf(mode)));
            } catch (IllegalArgumentException e) {
                refuse(exchange, 400, "use mode=FIRST_RESOURCE_ONLY|ALL_RESOURCES_NO_CHECK|ALL_RESOURCES_CHECK_ERROR");
                return;
            } catch (IllegalStateException e) {
                refuse(exchange, 500, e.getMessage());
                return;
            }
        }
        respond(exchange, 200, new MultiWriteModeState(String.valueOf(multiWriteModes.current())));
    }

    private void journalApplied(HttpExchange exchange) throws IOException {
        if ("POST".equals(exchange.getRequestMethod())) {
            try {
                unapplied.applied(Long.parseLong(String.valueOf(query(exchange.getRequestURI()).get("seq"))));
            } catch (NumberFormatException e) {
                refuse(exchange, 400, "use seq=<the last journal sequence the drain applied>");
                return;
            }
        }
        respond(exchange, 200, reads());
    }

    private void scripts(HttpExchange exchange) throws IOException {
        Scripts scripts = plugin.scripts();
        if ("POST".equals(exchange.getRequestMethod())) {
            byte[] body = exchange.getRequestBody().readNBytes(64 << 20); // no script is larger (scripts.maxBytes by default)
            if (body.length == 0) {
                refuse(exchange, 400, "POST /scripts needs the script body as the request body");
                return;
            }
            if (!scripts.record(body)) {
                refuse(exchange, 507, "the script was not recorded: the proxy keeps at most scripts.maxCount bodies of "
                        + "scripts.maxBytes bytes in all");
                return;
            }
            respond(exchange, 200, new ScriptRecorded(Scripts.sha1(body), scripts.figures()));
            return;
        }
        respond(exchange, 200, new ScriptBodies(scripts.figures(), scripts.all()));
    }

    private ReadsState reads() {
        return new ReadsState(unapplied.appliedSeq(), unapplied.tracked(), unapplied.primaryOnly(), route.readsFromMirror());
    }

    int port() {
        return server.getAddress().getPort();
    }

    private void status(HttpExchange exchange) throws IOException {
        respond(exchange, 200, status());
    }

    ProxyStatus status() {
        return new ProxyStatus(route.version(), String.valueOf(multiWriteModes.current()), maskedRoute(),
                new ProxyStatus.Fence(fence.on(), fence.mode(), plugin.fencedWrites(), fence.autoLifts()),
                plugin.inflight(),
                new ProxyStatus.Journal(journal.head(), journal.startHead(), journal.intents(), journal.commits(), journal.refused(),
                        journal.queueDepth(), journal.segmentName()),
                new ProxyStatus.MetaCas(metaCas.active(), metaCas.applied(), metaCas.dropped(), metaCas.scriptReloads()),
                reads(),
                plugin.scripts().figures(),
                plugin.incompatibleCommands());
    }

    /**
     * The route, credentials masked: a resource table as JSON, a single-resource route (a bare URL) as a JSON
     * string; a table that does not parse is shown as text rather than failing the whole answer.
     */
    private JsonNode maskedRoute() {
        String current = route.currentJson().trim();
        if (!current.startsWith("{")) {
            return ConsoleJson.text(RedisUrls.maskUrl(current));
        }
        String masked = RedisUrls.maskUrls(current);
        try {
            return ConsoleJson.tree(masked);
        } catch (java.io.UncheckedIOException e) {
            return ConsoleJson.text(masked);
        }
    }

    /** Camellia's own figures of the last interval (qps, per command, per backend, failures), credentials masked. */
    private void monitor(HttpExchange exchange) throws IOException {
        String json;
        try {
            json = com.netease.nim.camellia.redis.proxy.monitor.StatsJsonConverter.converter(
                    com.netease.nim.camellia.redis.proxy.monitor.ProxyMonitorCollector.getStats());
        } catch (RuntimeException e) {
            json = "{}";
        }
        respondJson(exchange, 200, RedisUrls.maskUrls(json == null || json.isEmpty() ? "{}" : json));
    }

    private void route(HttpExchange exchange) throws IOException {
        if ("GET".equals(exchange.getRequestMethod())) {
            respond(exchange, 200, new RouteState(route.version(), maskedRoute()));
            return;
        }
        if (!"POST".equals(exchange.getRequestMethod())) {
            refuse(exchange, 405, "use GET or POST");
            return;
        }
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        try {
            long version = route.apply(body);
            respond(exchange, 200, new RouteState(version, maskedRoute()));
        } catch (IllegalArgumentException e) {
            refuse(exchange, 400, e.getMessage());
        }
    }

    private void fence(HttpExchange exchange) throws IOException {
        if ("POST".equals(exchange.getRequestMethod())) {
            Map<String, String> query = query(exchange.getRequestURI());
            String state = query.get("state");
            String mode = query.get("mode");
            if (!"on".equals(state) && !"off".equals(state) || mode != null && !mode.equals("reject") && !mode.equals("hold")) {
                refuse(exchange, 400, "use state=on|off and optionally mode=reject|hold");
                return;
            }
            fence.set("on".equals(state), mode);
        }
        respond(exchange, 200, new FenceState(fence.on(), fence.mode(), plugin.inflight(), journal.head()));
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> values = new java.util.HashMap<>();
        String raw = uri.getRawQuery();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    values.put(pair.substring(0, eq), pair.substring(eq + 1));
                }
            }
        }
        return values;
    }

    private static void refuse(HttpExchange exchange, int status, String reason) throws IOException {
        respond(exchange, status, new ConsoleError(String.valueOf(reason)));
    }

    private static void respond(HttpExchange exchange, int status, Object answer) throws IOException {
        respondJson(exchange, status, ConsoleJson.write(answer));
    }

    private static void respondJson(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
