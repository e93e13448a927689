package io.df2redis.proxy.runtime;

import static io.df2redis.contract.settings.ProxySettingKeys.*;

import io.df2redis.contract.settings.ProxySettingKeys.Defaults;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The proxy's settings, rendered by the df2redis service into a properties file (mode 0600: the
 * route holds passwords). The keys and their defaults are the contract's {@code ProxySettingKeys}; every key has
 * a default except the ports, the route, the journal dir and the console token.
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
        listenHost = p.getProperty(LISTEN_HOST, Defaults.LOOPBACK);
        listenPort = Integer.parseInt(required(p, LISTEN_PORT));
        consoleHost = p.getProperty(CONSOLE_HOST, Defaults.LOOPBACK);
        consolePort = Integer.parseInt(required(p, CONSOLE_PORT));
        routeFile = Path.of(required(p, ROUTE_FILE));
        journalDir = Path.of(required(p, JOURNAL_DIR));
        journalStatusFile = Path.of(p.getProperty(JOURNAL_STATUS_FILE, journalDir.resolve(Defaults.JOURNAL_STATUS_FILE_NAME).toString()));
        journalAppendTimeoutMillis = Long.parseLong(p.getProperty(JOURNAL_APPEND_TIMEOUT_MILLIS, Defaults.JOURNAL_APPEND_TIMEOUT_MILLIS));
        journalFsync = p.getProperty(JOURNAL_FSYNC, Defaults.JOURNAL_FSYNC);
        journalFsyncIntervalMillis = Long.parseLong(p.getProperty(JOURNAL_FSYNC_INTERVAL_MILLIS, Defaults.JOURNAL_FSYNC_INTERVAL_MILLIS));
        journalSegmentRecords = Integer.parseInt(p.getProperty(JOURNAL_SEGMENT_RECORDS, Defaults.JOURNAL_SEGMENT_RECORDS));
        fenceMode = p.getProperty(FENCE_MODE, Defaults.FENCE_MODE);
        fenceMessage = p.getProperty(FENCE_MESSAGE, Defaults.FENCE_MESSAGE);
        fenceMaxHoldMillis = Long.parseLong(p.getProperty(FENCE_MAX_HOLD_MILLIS, Defaults.FENCE_MAX_HOLD_MILLIS));
        multiWriteMode = p.getProperty(MULTI_WRITE_MODE, Defaults.MULTI_WRITE_MODE);
        workThreads = Integer.parseInt(p.getProperty(WORK_THREADS, String.valueOf(Math.max(2, Runtime.getRuntime().availableProcessors()))));
        authUser = p.getProperty(AUTH_USER, "").trim();
        authPassword = p.getProperty(AUTH_PASSWORD, "");
        consoleToken = required(p, CONSOLE_TOKEN);
        aclSource = p.getProperty(AUTH_ACL_SOURCE, "").trim();
        aclRefreshMillis = Long.parseLong(p.getProperty(AUTH_ACL_REFRESH_MILLIS, Defaults.AUTH_ACL_REFRESH_MILLIS));
        databases = Integer.parseInt(p.getProperty(DATABASES, Defaults.DATABASES));
        hookInfoFile = Path.of(p.getProperty(HOOK_INFO_FILE, journalDir.resolve(Defaults.HOOK_FILE_NAME).toString()));
        readsMaxTrackedKeys = Integer.parseInt(p.getProperty(READS_MAX_TRACKED_KEYS, Defaults.READS_MAX_TRACKED_KEYS));
        // Beside the settings file (<stateDir>/proxy/scripts for the service), not among the journal's segments.
        Path settingsDir = file.toAbsolutePath().getParent();
        scriptsDir = Path.of(p.getProperty(SCRIPTS_DIR, settingsDir.resolve("scripts").toString()));
        scriptsMaxCount = Integer.parseInt(p.getProperty(SCRIPTS_MAX_COUNT, Defaults.SCRIPTS_MAX_COUNT));
        scriptsMaxBytes = Long.parseLong(p.getProperty(SCRIPTS_MAX_BYTES, Defaults.SCRIPTS_MAX_BYTES));
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
