package io.df2redis.proxy.runtime;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * The proxy's HTTP console for the df2redis service, bound to loopback by default:
 * <ul>
 *   <li>{@code GET /status}: route (credentials masked), fence, in-flight writes, journal, unmirrorable commands;</li>
 *   <li>{@code POST /route} (body: a Camellia resource table): validated, applied, written back; 400 keeps the old route;</li>
 *   <li>{@code POST /fence?state=on|off[&mode=reject|hold]}.</li>
 * </ul>
 */
final class Console implements AutoCloseable {

    private final HttpServer server;
    private final RouteUpdater route;
    private final Fence fence;
    private final JournalPlugin plugin;
    private final DirtyKeyJournal journal;
    private final MetaCas metaCas;
    private final String multiWriteMode;

    Console(ProxySettings settings, RouteUpdater route, Fence fence, JournalPlugin plugin, DirtyKeyJournal journal, MetaCas metaCas)
            throws IOException {
        this.metaCas = metaCas;
        this.multiWriteMode = settings.multiWriteMode;
        this.route = route;
        this.fence = fence;
        this.plugin = plugin;
        this.journal = journal;
        this.server = HttpServer.create(new InetSocketAddress(settings.consoleHost, settings.consolePort), 16);
        this.server.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread thread = new Thread(r, "df2redis-console");
            thread.setDaemon(true);
            return thread;
        }));
        server.createContext("/status", this::status);
        server.createContext("/route", this::route);
        server.createContext("/fence", this::fence);
        server.createContext("/monitor", this::monitor);
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    private void status(HttpExchange exchange) throws IOException {
        respond(exchange, 200, statusJson());
    }

    String statusJson() {
        StringBuilder compat = new StringBuilder("{");
        for (Map.Entry<String, Long> entry : plugin.incompatibleCommands().entrySet()) {
            if (compat.length() > 1) {
                compat.append(',');
            }
            compat.append('"').append(entry.getKey().replace("\"", "")).append("\":").append(entry.getValue());
        }
        compat.append('}');
        return "{\"routeVersion\":" + route.version() + ",\"multiWriteMode\":\"" + multiWriteMode + "\""
                + ",\"route\":" + routeJson()
                + ",\"fence\":{\"on\":" + fence.on() + ",\"mode\":\"" + fence.mode() + "\",\"refused\":" + plugin.fencedWrites()
                + ",\"autoLifts\":" + fence.autoLifts() + "}"
                + ",\"inflight\":" + plugin.inflight()
                + ",\"journal\":{\"head\":" + journal.head() + ",\"startHead\":" + journal.startHead() + ",\"intents\":" + journal.intents() + ",\"commits\":"
                + journal.commits() + ",\"refused\":" + journal.refused() + ",\"queueDepth\":" + journal.queueDepth()
                + ",\"segment\":\"" + journal.segmentName() + "\"}"
                + ",\"metaCas\":{\"active\":" + metaCas.active() + ",\"applied\":" + metaCas.applied() + ",\"dropped\":"
                + metaCas.dropped() + ",\"scriptReloads\":" + metaCas.scriptReloads() + "}"
                + ",\"unmirrorable\":" + compat + "}";
    }

    /** The route as JSON, credentials masked: a single-resource route is a bare URL, given as a JSON string. */
    private String routeJson() {
        String masked = Secrets.maskUrls(route.currentJson()).trim();
        return masked.startsWith("{") ? masked : "\"" + jsonEscape(masked) + "\"";
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
        respond(exchange, 200, Secrets.maskUrls(json == null || json.isEmpty() ? "{}" : json));
    }

    private void route(HttpExchange exchange) throws IOException {
        if ("GET".equals(exchange.getRequestMethod())) {
            respond(exchange, 200, "{\"routeVersion\":" + route.version() + ",\"route\":" + routeJson() + "}");
            return;
        }
        if (!"POST".equals(exchange.getRequestMethod())) {
            respond(exchange, 405, "{\"error\":\"use GET or POST\"}");
            return;
        }
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        try {
            long version = route.apply(body);
            respond(exchange, 200, "{\"routeVersion\":" + version + ",\"route\":" + routeJson() + "}");
        } catch (IllegalArgumentException e) {
            respond(exchange, 400, "{\"error\":\"" + jsonEscape(e.getMessage()) + "\"}");
        }
    }

    private void fence(HttpExchange exchange) throws IOException {
        if ("POST".equals(exchange.getRequestMethod())) {
            Map<String, String> query = query(exchange.getRequestURI());
            String state = query.get("state");
            String mode = query.get("mode");
            if (!"on".equals(state) && !"off".equals(state) || mode != null && !mode.equals("reject") && !mode.equals("hold")) {
                respond(exchange, 400, "{\"error\":\"use state=on|off and optionally mode=reject|hold\"}");
                return;
            }
            fence.set("on".equals(state), mode);
        }
        respond(exchange, 200, "{\"on\":" + fence.on() + ",\"mode\":\"" + fence.mode() + "\",\"inflight\":" + plugin.inflight()
                + ",\"journalHead\":" + journal.head() + "}");
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

    private static String jsonEscape(String text) {
        return String.valueOf(text).replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", " ");
    }

    private static void respond(HttpExchange exchange, int status, String json) throws IOException {
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
