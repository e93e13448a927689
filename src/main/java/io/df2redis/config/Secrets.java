package io.df2redis.config;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The secret values of the running migration (passwords, control token), and the one place that
 * masks them. Every text that leaves the process (log lines, events, status, REST, SSE) goes
 * through {@link #mask(String)}, so a secret that slips into an error message is still hidden.
 */
public final class Secrets {

    public static final String MASK = "******";
    /** Shorter values would mask ordinary words; such secrets are rejected by nothing but are still never printed by df2redis itself. */
    private static final int MIN_MASKED_LENGTH = 3;
    private static final List<String> VALUES = new CopyOnWriteArrayList<>();

    private Secrets() {
    }

    /** Registers the secrets of a loaded configuration. */
    public static void register(MigrationConfig config) {
        add(config.source().password());
        add(config.target().password());
        add(config.control().token());
    }

    /**
     * Registers a secret with the forms it takes inside JSON (a route file, a status) and inside a URL (rmt's
     * target URI), so that an escaped password is masked too.
     */
    public static void add(Optional<String> secret) {
        secret.ifPresent(s -> {
            addOne(s);
            addOne(new String(JsonStringEncoder.getInstance().quoteAsString(s)));
            addOne(URLEncoder.encode(s, StandardCharsets.UTF_8));
        });
    }

    private static void addOne(String secret) {
        Optional.of(secret).filter(s -> s.length() >= MIN_MASKED_LENGTH)
                .filter(s -> !VALUES.contains(s))
                .ifPresent(s -> {
                    VALUES.add(s);
                    VALUES.sort(Comparator.comparingInt(String::length).reversed());
                });
    }

    public static String mask(String text) {
        if (text == null || VALUES.isEmpty()) {
            return text;
        }
        String masked = text;
        for (String secret : VALUES) {
            if (masked.contains(secret)) {
                masked = masked.replace(secret, MASK);
            }
        }
        return masked;
    }

    /** Shown instead of a configured secret: tells whether one is set without revealing it. */
    public static String describe(Optional<String> secret) {
        return secret.isPresent() ? MASK : "(not set)";
    }
}
