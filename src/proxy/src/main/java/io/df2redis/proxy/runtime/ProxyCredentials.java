package io.df2redis.proxy.runtime;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The credentials applications give the proxy: the source's own (its ACL user, default {@code default},
 * and password), so an application keeps its {@code AUTH} as it is. Compared in constant time.
 */
final class ProxyCredentials {

    private final String user;
    private final byte[] password;

    ProxyCredentials(String user, String password) {
        this.user = user == null || user.isBlank() ? "default" : user;
        this.password = password == null || password.isEmpty() ? null : password.getBytes(StandardCharsets.UTF_8);
    }

    boolean required() {
        return password != null;
    }

    boolean accepts(String givenUser, byte[] givenPassword) {
        if (password == null) {
            return false;
        }
        boolean userMatches = MessageDigest.isEqual(user.getBytes(StandardCharsets.UTF_8),
                (givenUser == null ? "default" : givenUser).getBytes(StandardCharsets.UTF_8));
        return MessageDigest.isEqual(password, givenPassword) & userMatches;
    }
}
