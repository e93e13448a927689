package io.df2redis.proxy;

import io.df2redis.config.MigrationConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Camellia resource tables for each {@link RouteKind}, rendered from the templates with the
 * backends' URLs ({@code redis://[user:]password@host:port}; {@code redis-cluster://...} for a
 * cluster target). The URLs hold passwords: routes are written to 0600 files only.
 */
public final class ProxyRoutes {

    private final String sourceUrl;
    private final String targetUrl;

    public ProxyRoutes(MigrationConfig config) {
        this.sourceUrl = url("redis://", config.source().username(), config.source().password(), config.source().addr(), "source");
        boolean cluster = config.target().type() == MigrationConfig.TargetType.REDIS_CLUSTER;
        this.targetUrl = url(cluster ? "redis-cluster://" : "redis://", config.target().username(), config.target().password(),
                config.target().seed().replace(" ", ""), "target");
    }

    private static String url(String scheme, java.util.Optional<String> user, java.util.Optional<String> password,
            String address, String role) {
        password.ifPresent(p -> {
            if (p.contains("@") || p.contains("/") || p.contains("\"")) {
                throw new IllegalArgumentException(role + ".password contains '@', '/' or '\"', which Camellia 1.1.1 cannot "
                        + "carry in a backend URL: change the password for the migration");
            }
        });
        String credentials = user.map(u -> u + ":" + password.orElse("")).orElse(password.orElse(""));
        return scheme + credentials + "@" + address;
    }

    /** The route of a kind; {@code readPercent} is the share of reads sent to the target (READ_SPLIT only). */
    public String render(RouteKind kind, int readPercent) {
        String readResources = "";
        if (kind == RouteKind.READ_SPLIT) {
            if (readPercent < 0 || readPercent > 100) {
                throw new IllegalArgumentException("read share must be 0 to 100, was " + readPercent);
            }
            readResources = readWeights(readPercent);
        }
        return Templates.render(Templates.load(kind.template()), Map.of(
                "SOURCE_URL", sourceUrl,
                "TARGET_URL", targetUrl,
                "READ_RESOURCES", readResources)).trim();
    }

    /** Camellia weights a random read route by repeating resources: the percentage in twentieths (5% steps). */
    private String readWeights(int percent) {
        int toTarget = Math.round(percent / 5f);
        List<String> resources = new ArrayList<>();
        resources.addAll(Collections.nCopies(20 - toTarget, "\"" + sourceUrl + "\""));
        resources.addAll(Collections.nCopies(toTarget, "\"" + targetUrl + "\""));
        return String.join(",", resources);
    }
}
