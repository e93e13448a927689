package io.df2redis.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The methods each REST path takes, for the {@code Allow} header and the detail of a 405 (Quarkus REST
 * leaves both empty). Kept next to the resources; {@code AllowedMethodsTest} checks it against their
 * annotations, so a new endpoint cannot be missed.
 */
final class AllowedMethods {

    static final Map<Pattern, List<String>> BY_PATH = table();

    private AllowedMethods() {
    }

    private static Map<Pattern, List<String>> table() {
        Map<Pattern, List<String>> table = new LinkedHashMap<>();
        table.put(Pattern.compile("/api/v1/migration"), List.of("GET", "POST"));
        table.put(Pattern.compile("/api/v1/migration/(pause|resume|cutover/advance|rollback|abort)"), List.of("POST"));
        table.put(Pattern.compile("/api/v1/events"), List.of("GET"));
        table.put(Pattern.compile("/api/v1/proxy/stop"), List.of("POST"));
        table.put(Pattern.compile("/"), List.of("GET"));
        table.put(Pattern.compile("/dashboard/[^/]+"), List.of("GET"));
        return java.util.Collections.unmodifiableMap(table);
    }

    /** The methods {@code path} takes; empty for a path no resource serves. */
    static List<String> of(String path) {
        String normalized = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        return BY_PATH.entrySet().stream()
                .filter(e -> e.getKey().matcher(normalized).matches())
                .map(Map.Entry::getValue)
                .findFirst()
                .orElse(List.of());
    }
}
