package io.df2redis.resp;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Which failures of a call may pass by themselves (and are retried) and which need the operator. */
class RemoteFailureTest {

    @Test
    void aConnectionTheClientClosedMayPassAWrongPasswordDoesNot() {
        // The Vert.x Redis client's words for a connection closed under a call (e.g. while the service stops).
        assertTrue(RemoteFailure.transientFailure(new IllegalStateException("CONNECTION_CLOSED")));
        // The same, when the channel closes under a pooled call: the client's error reply names the exception.
        assertTrue(RemoteFailure.transientFailure(new IllegalStateException("ERR [1] io.netty.channel.StacklessClosedChannelException")));
        assertTrue(RemoteFailure.transientFailure(new RuntimeException("wrapped", new java.nio.channels.ClosedChannelException())));
        assertTrue(RemoteFailure.transientFailure(new IllegalStateException("LOADING Redis is loading the dataset in memory")));
        assertFalse(RemoteFailure.transientFailure(new IllegalStateException("WRONGPASS invalid username-password pair")));
        assertFalse(RemoteFailure.transientFailure(new IllegalStateException("ERR unknown command 'DUMP'")));
    }
}
