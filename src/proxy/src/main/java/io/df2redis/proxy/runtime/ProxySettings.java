package io.df2redis.proxy.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The proxy's settings, rendered by the df2redis service into a properties file (mode 0600: the
 * route holds passwords). Every key has a default except the ports, the route and the journal dir.
 */
final class ProxySettings {

    final String listenHost;
    final int listenPort;
    final String consoleHost;
    final int consolePort;
    final Path routeFile;
    final Path journalDir;
    final Path journalStatusFile;
    final long journalAppendTimeoutMillis;
    final String journalFsync;
    final long journalFsyncIntervalMillis;
    final int journalSegmentRecords;
    final String fenceMode;
    final String fenceMessage;
    final long fenceMaxHoldMillis;
    final String multiWriteMode;
    final int workThreads;
    final String authUser;
    final String authPassword;
    final String consoleToken;
    /** host:port of the source whose ACL users the proxy accepts; empty: df2redis's source credentials only. */
    final String aclSource;
    final long aclRefreshMillis;
    /** Databases SELECT accepts (0 to databases - 1): Redis's and Dragonfly's default, 16. */
    final int databases;
    final Path hookInfoFile;
    /** Keys with an unapplied journal record the proxy tracks for read-your-writes; past it every read goes to the primary. */
    final int readsMaxTrackedKeys;
    /**
     * Where the script bodies seen through the proxy are kept (one 0600 file each; default {@code scripts} beside the
     * settings file), and how many / how many bytes at most.
     */
    final Path scriptsDir;
    final int scriptsMaxCount;
    final long scriptsMaxBytes;

    private ProxySettings(Properties p, Path file) {
        listenHost = p.getProperty("listen.host", "127.0.0.1");
        listenPort = Integer.parseInt(required(p, "listen.port"));
        consoleHost = p.getProperty("console.host", "127.0.0.1");
        consolePort = Integer.parseInt(required(p, "console.port"));
        routeFile = Path.of(required(p, "route.file"));
        journalDir = Path.of(required(p, "journal.dir"));
        journalStatusFile = Path.of(p.getProperty("journal.statusFile", journalDir.resolve("status.json").toString()));
        journalAppendTimeoutMillis = Long.parseLong(p.getProperty("journal.appendTimeoutMillis", "2000"));
        journalFsync = p.getProperty("journal.fsync", "interval");
        journalFsyncIntervalMillis = Long.parseLong(p.getProperty("journal.fsyncIntervalMillis", "100"));
        journalSegmentRecords = Integer.parseInt(p.getProperty("journal.segmentRecords", "200000"));
        fenceMode = p.getProperty("fence.mode", "hold");
        fenceMessage = p.getProperty("fence.message", "TRYAGAIN fenced for cutover");
        fenceMaxHoldMillis = Long.parseLong(p.getProperty("fence.maxHoldMillis", "2000"));
        multiWriteMode = p.getProperty("multiWriteMode", "FIRST_RESOURCE_ONLY");
        workThreads = Integer.parseInt(p.getProperty("workThreads", String.valueOf(Math.max(2, Runtime.getRuntime().availableProcessors()))));
        authUser = p.getProperty("auth.user", "").trim();
        authPassword = p.getProperty("auth.password", "");
        consoleToken = required(p, "console.token");
        aclSource = p.getProperty("auth.aclSource", "").trim();
        aclRefreshMillis = Long.parseLong(p.getProperty("auth.aclRefreshMillis", "30000"));
        databases = Integer.parseInt(p.getProperty("databases", "16"));
        hookInfoFile = Path.of(p.getProperty("hook.infoFile", journalDir.resolve("hook.json").toString()));
        readsMaxTrackedKeys = Integer.parseInt(p.getProperty("reads.maxTrackedKeys", "100000"));
        // Beside the settings file (<stateDir>/proxy/scripts for the service), not among the journal's segments.
        Path settingsDir = file.toAbsolutePath().getParent();
        scriptsDir = Path.of(p.getProperty("scripts.dir", settingsDir.resolve("scripts").toString()));
        scriptsMaxCount = Integer.parseInt(p.getProperty("scripts.maxCount", "10000"));
        scriptsMaxBytes = Long.parseLong(p.getProperty("scripts.maxBytes", String.valueOf(64L << 20)));
    }

    static ProxySettings load(Path file) throws IOException {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            properties.load(in);
        }
        return new ProxySettings(properties, file);
    }

    private static String required(Properties p, String key) {
        String value = p.getProperty(key);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("proxy settings: " + key + " is required");
        }
        return value.trim();
    }
}
