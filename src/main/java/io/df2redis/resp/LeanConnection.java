package io.df2redis.resp;

import io.smallrye.mutiny.Uni;

/**
 * A connection for the copy's hot path (the scan copy, the journal drain, the verifier): a batch of
 * commands goes out as one write and its replies come back as one flat {@link RespReplies}, in command
 * order, with any number of batches in flight. Opened by {@link RedisSide#pipelined}, logged in and on
 * its database; the caller closes it.
 *
 * <p>Bulk replies longer than the limit it was opened with are skipped as they stream in (only their
 * length is kept). A connection that breaks fails every batch in flight with a
 * {@link java.nio.channels.ClosedChannelException} (a transient failure) and every later one at once:
 * the caller closes it and opens another. Timeouts and retries are the caller's.
 */
public interface LeanConnection {

    /** Writes the commands in one go; the replies come in the same order. */
    Uni<RespReplies> send(RespCommands commands);

    /** Fails the batches in flight and closes the socket. */
    void close();
}
