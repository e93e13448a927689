package io.df2redis.proxy.runtime;

import io.df2redis.contract.resp.RespConnection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The source's own ACL users, so that applications that log in to the source as a user of their own
 * keep doing so through the proxy: {@code ACL LIST} on the source (as df2redis's source user), read at
 * start and every {@code refreshMillis}, gives each user's state and the SHA-256 of its passwords,
 * against which a client's {@code AUTH} is checked here, without a round trip. When the source
 * does not answer {@code ACL LIST} (no permission, no ACL), only df2redis's own source credentials
 * are accepted.
 */
final class SourceUsers implements AutoCloseable {

    /** A user as ACL LIST shows it. */
    record User(boolean enabled, boolean noPassword, Set<String> passwordHashes) {
    }

    private final String host;
    private final int port;
    private final String user;
    private final String password;
    private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "df2redis-source-users");
        thread.setDaemon(true);
        return thread;
    });
    private volatile Map<String, User> users = Map.of();
    private volatile String lastProblem;

    SourceUsers(String address, String user, String password, long refreshMillis) {
        int colon = address.lastIndexOf(':');
        this.host = address.substring(0, colon);
        this.port = Integer.parseInt(address.substring(colon + 1));
        this.user = user;
        this.password = password;
        refresh();
        refresher.scheduleWithFixedDelay(this::refresh, refreshMillis, refreshMillis, TimeUnit.MILLISECONDS);
    }

    boolean known(String name) {
        return users.containsKey(name);
    }

    /** True when the source would let this user in with this password. */
    boolean accepts(String name, byte[] givenPassword) {
        User found = users.get(name);
        if (found == null || !found.enabled()) {
            return false;
        }
        return found.noPassword() || found.passwordHashes().contains(sha256(givenPassword));
    }

    private void refresh() {
        try (RespConnection connection = new RespConnection(host, port, user, password)) {
            String reply = connection.roundTrip("ACL", "LIST");
            if (reply.startsWith("-")) {
                problem("the source refused ACL LIST (" + reply.substring(1) + "): only df2redis's source credentials open the proxy");
                return;
            }
            Map<String, User> read = new HashMap<>();
            for (String line : reply.split("\n")) {
                String rule = line.startsWith("$") ? line.substring(1) : line;
                String[] words = rule.split(" ");
                if (words.length >= 2 && words[0].equals("user")) {
                    read.put(words[1], parse(words));
                }
            }
            users = Map.copyOf(read);
            lastProblem = null;
        } catch (IOException | RuntimeException e) {
            problem("cannot read the source's ACL users (" + e.getMessage() + "); keeping the last ones read");
        }
    }

    private static User parse(String[] words) {
        boolean enabled = false;
        boolean noPassword = false;
        Set<String> hashes = new HashSet<>();
        for (int i = 2; i < words.length; i++) {
            String word = words[i];
            if (word.equals("on")) {
                enabled = true;
            } else if (word.equals("off")) {
                enabled = false;
            } else if (word.equals("nopass")) {
                noPassword = true;
            } else if (word.startsWith("#")) {
                hashes.add(word.substring(1).toLowerCase(java.util.Locale.ROOT));
            }
        }
        return new User(enabled, noPassword, Set.copyOf(hashes));
    }

    private void problem(String text) {
        if (!text.equals(lastProblem)) {
            System.err.println("df2redis-proxy: " + text);
            lastProblem = text;
        }
    }

    private static String sha256(byte[] secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        refresher.shutdownNow();
    }
}
