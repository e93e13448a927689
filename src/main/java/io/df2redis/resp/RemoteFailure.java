package io.df2redis.resp;

import io.df2redis.migration.engine.RetryableStageException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeoutException;

/** Turns a failed call to one side into a message that says what to check, and decides whether a retry may help. */
public final class RemoteFailure {

    private RemoteFailure() {
    }

    /** True for failures that may pass by themselves (refused, reset, closed, timed out, loading). */
    public static boolean transientFailure(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof TimeoutException || t instanceof ClosedChannelException
                    || t instanceof java.io.IOException && !(t instanceof UnknownHostException)) {
                return true;
            }
            String message = String.valueOf(t.getMessage());
            if (message.startsWith("LOADING") || message.startsWith("TRYAGAIN") || message.startsWith("BUSY ")
                    || message.contains("Connection reset") || message.contains("Connection refused")
                    || message.contains("Connection is closed") || message.contains("CONNECTION_CLOSED")
                    || message.contains("ClosedChannelException")
                    || message.contains("CLUSTERDOWN")) {
                return true;
            }
        }
        return false;
    }

    /** A failure of one call, worded for the operator; retryable failures stay retryable for the engine. */
    public static RuntimeException describe(RedisEndpoint endpoint, String what, Throwable failure) {
        String message = String.valueOf(failure.getMessage());
        if (message.startsWith("WRONGPASS") || message.startsWith("NOAUTH") || message.contains("invalid password")
                || message.contains("invalid username-password")) {
            return new IllegalStateException(endpoint + ": authentication failed (" + firstWord(message)
                    + "): check " + endpoint.passwordKey() + " and, with ACLs, " + endpoint.role() + ".username");
        }
        if (message.startsWith("NOPERM")) {
            return new IllegalStateException(endpoint + ": the user may not run " + what + " (NOPERM): grant it in the ACL");
        }
        if (rootCause(failure) instanceof UnknownHostException) {
            return new IllegalStateException(endpoint + ": unknown host: check " + endpoint.addressKey());
        }
        if (failure instanceof TimeoutException) {
            return new RetryableStageException(endpoint + ": " + what + " did not answer within the timeout "
                    + "(engine.remoteTimeout); check that the server runs and is reachable", failure);
        }
        if (transientFailure(failure)) {
            return new RetryableStageException(endpoint + ": " + what + " failed (" + message
                    + "); check " + endpoint.addressKey() + " and that the server runs", failure);
        }
        return new IllegalStateException(endpoint + ": " + what + " failed: " + message, failure);
    }

    private static String firstWord(String message) {
        int space = message.indexOf(' ');
        return space < 0 ? message : message.substring(0, space);
    }

    private static Throwable rootCause(Throwable failure) {
        Throwable t = failure;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
