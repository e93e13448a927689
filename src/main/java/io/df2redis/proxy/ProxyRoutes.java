package io.df2redis.proxy;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
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
        this.sourceUrl = url("redis://", config.source().username(), config.source().password(), config.source().addr());
        boolean cluster = config.target().type() == MigrationConfig.TargetType.REDIS_CLUSTER;
        this.targetUrl = url(cluster ? "redis-cluster://" : "redis://", config.target().username(), config.target().password(),
                config.target().seed().replace(" ", ""));
    }

    /**
     * A backend URL as Camellia 1.1.1 reads it: the credentials end at the LAST {@code '@'} and the user ends at
     * the FIRST {@code ':'}, with no decoding, so any password is carried as it is, except that a password with a
     * {@code ':'} and no user needs the user spelled out ({@code default}, the user a bare {@code AUTH} logs in as).
     */
    static String url(String scheme, java.util.Optional<String> user, java.util.Optional<String> password, String address) {
        String credentials;
        if (user.isPresent()) {
            credentials = user.get() + ":" + password.orElse("");
        } else if (password.isPresent() && password.get().contains(":")) {
            credentials = "default:" + password.get();
        } else {
            credentials = password.orElse("");
        }
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
        if (kind == RouteKind.SOURCE || kind == RouteKind.TARGET) {
            // A single backend: the route file is the bare URL (Camellia takes what is not JSON as one resource).
            return Templates.render(Templates.load(kind.template()), Map.of("SOURCE_URL", sourceUrl, "TARGET_URL", targetUrl)).trim();
        }
        return Templates.render(Templates.load(kind.template()), Map.of(
                "SOURCE_URL", json(sourceUrl),
                "TARGET_URL", json(targetUrl),
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
                "BUCKETS", String.join("-", buckets), "READ_URL", json(readUrl), "SOURCE_URL", json(sourceUrl), "TARGET_URL", json(targetUrl)))
                .trim();
    }

    /** Camellia weights a random read route by repeating resources: the percentage in twentieths (5% steps). */
    private String readWeights(int percent) {
        int toTarget = Math.round(percent / 5f);
        List<String> resources = new ArrayList<>();
        resources.addAll(Collections.nCopies(20 - toTarget, "\"" + json(sourceUrl) + "\""));
        resources.addAll(Collections.nCopies(toTarget, "\"" + json(targetUrl) + "\""));
        return String.join(",", resources);
    }

    /** A URL as the inside of a JSON string: the templates put it between quotes, and a password may hold any character. */
    static String json(String url) {
        return new String(JsonStringEncoder.getInstance().quoteAsString(url));
    }
}
