package io.df2redis.copy;

/** A key that could not be copied, with the reason in the operator's words. */
public record KeyFailure(byte[] key, int db, String reason) {
}
