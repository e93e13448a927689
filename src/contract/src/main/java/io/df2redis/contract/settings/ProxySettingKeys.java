package io.df2redis.contract.settings;

/**
 * The keys of the proxy's settings file ({@code proxy.properties}, rendered by the service, read by the plugin)
 * and their defaults, kept only here. The defaults are compile-time constants, so that the service's
 * {@code @WithDefault} can name them; times are in milliseconds (the service appends {@code ms}).
 */
public final class ProxySettingKeys {

    private ProxySettingKeys() {
    }

    public static final String LISTEN_HOST = "listen.host";
    public static final String LISTEN_PORT = "listen.port";
    public static final String CONSOLE_HOST = "console.host";
    public static final String CONSOLE_PORT = "console.port";
    public static final String CONSOLE_TOKEN = "console.token";
    public static final String ROUTE_FILE = "route.file";
    public static final String JOURNAL_DIR = "journal.dir";
    public static final String JOURNAL_STATUS_FILE = "journal.statusFile";
    public static final String JOURNAL_APPEND_TIMEOUT_MILLIS = "journal.appendTimeoutMillis";
    public static final String JOURNAL_FSYNC = "journal.fsync";
    public static final String JOURNAL_FSYNC_INTERVAL_MILLIS = "journal.fsyncIntervalMillis";
    public static final String JOURNAL_SEGMENT_RECORDS = "journal.segmentRecords";
    public static final String FENCE_MODE = "fence.mode";
    public static final String FENCE_MESSAGE = "fence.message";
    public static final String FENCE_MAX_HOLD_MILLIS = "fence.maxHoldMillis";
    public static final String MULTI_WRITE_MODE = "multiWriteMode";
    public static final String WORK_THREADS = "workThreads";
    public static final String AUTH_USER = "auth.user";
    public static final String AUTH_PASSWORD = "auth.password";
    public static final String AUTH_ACL_SOURCE = "auth.aclSource";
    public static final String AUTH_ACL_REFRESH_MILLIS = "auth.aclRefreshMillis";
    public static final String DATABASES = "databases";
    public static final String HOOK_INFO_FILE = "hook.infoFile";
    public static final String READS_MAX_TRACKED_KEYS = "reads.maxTrackedKeys";
    public static final String SCRIPTS_DIR = "scripts.dir";
    public static final String SCRIPTS_MAX_COUNT = "scripts.maxCount";
    public static final String SCRIPTS_MAX_BYTES = "scripts.maxBytes";

    /** Defaults, as the settings file spells them. */
    public static final class Defaults {

        private Defaults() {
        }

        public static final String LOOPBACK = "127.0.0.1";
        /** Longest a journal write waits for the file before the write is refused (a stuck disk). */
        public static final String JOURNAL_APPEND_TIMEOUT_MILLIS = "30000";
        public static final String JOURNAL_FSYNC = "interval";
        public static final String JOURNAL_FSYNC_INTERVAL_MILLIS = "100";
        public static final String JOURNAL_SEGMENT_RECORDS = "200000";
        public static final String FENCE_MODE = "hold";
        public static final String FENCE_MESSAGE = "TRYAGAIN fenced for cutover";
        public static final String FENCE_MAX_HOLD_MILLIS = "2000";
        public static final String MULTI_WRITE_MODE = "FIRST_RESOURCE_ONLY";
        public static final String AUTH_ACL_REFRESH_MILLIS = "30000";
        /** Databases SELECT accepts (0 to databases - 1): Redis's and Dragonfly's default. */
        public static final String DATABASES = "16";
        public static final String READS_MAX_TRACKED_KEYS = "100000";
        public static final String SCRIPTS_MAX_COUNT = "10000";
        public static final String SCRIPTS_MAX_BYTES = "67108864";
        /** File names inside the journal directory, for the status file and the hook file when not set. */
        public static final String JOURNAL_STATUS_FILE_NAME = "status.json";
        public static final String HOOK_FILE_NAME = "hook.json";
    }
}
