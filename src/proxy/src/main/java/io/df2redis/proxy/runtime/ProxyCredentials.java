package io.df2redis.proxy.runtime;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The credentials applications give the proxy: the source's own, so an application keeps its
 * {@code AUTH} as it is: df2redis's source user (default {@code default}) and password, compared in
 * constant time, and every other user of the source's ACL ({@link SourceUsers}).
 */
final class ProxyCredentials {

    private final String user;
    private final byte[] password;
    private final SourceUsers sourceUsers;

    ProxyCredentials(String user, String password, SourceUsers sourceUsers) {
        this.user = user == null || user.isBlank() ? "default" : user;
        this.password = password == null || password.isEmpty() ? null : password.getBytes(StandardCharsets.UTF_8);
        this.sourceUsers = sourceUsers;
    }

    boolean required() {
        return password != null;
    }

    /** True when AUTH can succeed at all: the source has a password, or ACL users of its own. */
    boolean anyUser() {
        return password != null || sourceUsers != null;
    }

    boolean accepts(String givenUser, byte[] givenPassword) {
        String name = givenUser == null ? "default" : givenUser;
        if (sourceUsers != null && !name.equals(user) && sourceUsers.known(name)) {
            return sourceUsers.accepts(name, givenPassword);
        }
        if (password == null) {
            return false;
        }
        boolean userMatches = MessageDigest.isEqual(user.getBytes(StandardCharsets.UTF_8),
                (givenUser == null ? "default" : givenUser).getBytes(StandardCharsets.UTF_8));
        return MessageDigest.isEqual(password, givenPassword) & userMatches;
    }
}
