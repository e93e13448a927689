package io.df2redis.proxy;

import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationPaths;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The proxy's files in {@code <stateDir>/proxy}, rendered from the templates: {@code proxy.properties} (the settings,
 * with the multi-write mode in force) and {@code route.json} (see {@link ProxyRoutes}). Both hold passwords: 0600.
 * Blocking (file I/O): callers run it off the event loop.
 */
@ApplicationScoped
public class ProxyFiles {

    static final String ROUTE_FILE = "route.json";

    private final MigrationConfig config;
    private final MigrationPaths paths;
    private final String consoleToken;
    private volatile MigrationConfig.MultiWriteMode multiWriteMode;

    public ProxyFiles(MigrationConfig config, MigrationPaths paths) {
        this.config = config;
        this.paths = paths;
        this.consoleToken = ConsoleToken.resolve(config, directory());
    }

    public Path directory() {
        return paths.stateDir().resolve("proxy");
    }

    String consoleToken() {
        return consoleToken;
    }

    /** The route file of a starting proxy; one already there is kept when {@code keepRoute} (a later route must not be undone). */
    void writeStartRoute(RouteKind route, boolean keepRoute) throws IOException {
        Files.createDirectories(directory());
        Path routeFile = directory().resolve(ROUTE_FILE);
        if (!keepRoute || !Files.exists(routeFile)) {
            PrivateFiles.write(routeFile, new ProxyRoutes(config).render(route, 0));
        }
        Files.createDirectories(paths.walDir());
    }

    /** Rewrites the settings with the multi-write mode in force ({@code proxy.multiWriteMode} until one is switched to). */
    void writeSettings() {
        Path file = directory().resolve(ProxyProcess.SETTINGS_FILE);
        try {
            PrivateFiles.write(file, settings(multiWriteMode == null ? config.proxy().multiWriteMode() : multiWriteMode));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rewrite " + file + ": " + e.getMessage(), e);
        }
    }

    /** The proxy now runs in {@code mode}: a restarted proxy starts in it too. */
    void writeSettings(MigrationConfig.MultiWriteMode mode) {
        multiWriteMode = mode;
        writeSettings();
    }

    private String settings(MigrationConfig.MultiWriteMode mode) {
        MigrationConfig.Proxy proxy = config.proxy();
        String[] listen = hostPort(proxy.endpoint());
        Map<String, String> values = new LinkedHashMap<>();
        values.put("LISTEN_HOST", listen[0]);
        values.put("PORT", listen[1]);
        values.put("CONSOLE_PORT", String.valueOf(proxy.consolePort()));
        values.put("ROUTE_FILE", directory().resolve(ROUTE_FILE).toString());
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

    /** {@code host:port} (the last colon splits) as {host, port}. */
    static String[] hostPort(String address) {
        int colon = address.lastIndexOf(':');
        return new String[] {address.substring(0, colon), address.substring(colon + 1)};
    }
}
