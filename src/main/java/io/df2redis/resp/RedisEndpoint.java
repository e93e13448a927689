package io.df2redis.resp;

import io.df2redis.config.MigrationConfig;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Where one side lives and how to log in. {@link #toString()} never shows the password: it is the
 * form used in every message.
 *
 * @param role {@code source} or {@code target}, used in messages and to name the config keys to fix
 */
public record RedisEndpoint(String role, List<String> addresses, Optional<String> user, Optional<String> password,
        boolean tls, boolean cluster) {

    public static RedisEndpoint source(MigrationConfig config) {
        MigrationConfig.Source s = config.source();
        return new RedisEndpoint("source", List.of(s.addr().trim()), s.username(), s.password(), s.tls(), false);
    }

    public static RedisEndpoint target(MigrationConfig config) {
        MigrationConfig.Target t = config.target();
        List<String> seeds = Arrays.stream(t.seed().split(",")).map(String::trim).filter(a -> !a.isEmpty()).toList();
        return new RedisEndpoint("target", seeds, t.username(), t.password(), t.tls(),
                t.type() == MigrationConfig.TargetType.REDIS_CLUSTER);
    }

    /**
     * A connection string without the password (that one goes into the client options only). The ACL user
     * goes in the {@code user} query parameter: Vert.x reads {@code redis://name@host} as a password, not a
     * user, and would log in as the default user.
     */
    public String connectionString(String address, int db) {
        String scheme = tls ? "rediss://" : "redis://";
        String userPart = user.map(u -> "?user=" + URLEncoder.encode(u, StandardCharsets.UTF_8)).orElse("");
        return scheme + address + (db > 0 ? "/" + db : "") + userPart;
    }

    /** The config key that holds this side's password, for messages that tell what to fix. */
    public String passwordKey() {
        return role + ".password (or DF2REDIS_" + role.toUpperCase() + "_PASSWORD)";
    }

    /** The config key that holds this side's address. */
    public String addressKey() {
        return role.equals("source") ? "source.addr" : "target.seed";
    }

    @Override
    public String toString() {
        return role + " " + String.join(",", addresses);
    }
}
