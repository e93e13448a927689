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
    private final boolean sticky;

    public ProxyRoutes(MigrationConfig config) {
        this.sticky = "sticky".equals(config.proxy().readSplit());
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
            if (sticky) {
                return stickySplit(readPercent);
            }
            readResources = readWeights(readPercent);
        }
        return Templates.render(Templates.load(kind.template()), Map.of(
                "SOURCE_URL", sourceUrl,
                "TARGET_URL", targetUrl,
                "READ_RESOURCES", readResources)).trim();
    }

    /**
     * Sticky per key: 20 sharding buckets, the first ones read from the source, the last
     * {@code percent / 5} from the target; writes go to both from every bucket.
     */
    private String stickySplit(int percent) {
        int toTarget = Math.round(percent / 5f);
        List<String> operations = new ArrayList<>();
        if (toTarget < 20) {
            operations.add(bucket(0, 20 - toTarget, sourceUrl));
        }
        if (toTarget > 0) {
            operations.add(bucket(20 - toTarget, 20, targetUrl));
        }
        return Templates.render(Templates.load("routes/read-split-sticky.json.tmpl"),
                Map.of("OPERATION_MAP", String.join(",", operations))).trim();
    }

    private String bucket(int from, int to, String readUrl) {
        List<String> buckets = new ArrayList<>();
        for (int i = from; i < to; i++) {
            buckets.add(String.valueOf(i));
        }
        return Templates.render(Templates.load("routes/read-split-bucket.json.tmpl"), Map.of(
                "BUCKETS", String.join("-", buckets), "READ_URL", readUrl, "SOURCE_URL", sourceUrl, "TARGET_URL", targetUrl)).trim();
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
