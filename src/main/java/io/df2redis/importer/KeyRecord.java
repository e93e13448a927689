package io.df2redis.importer;

/**
 * One key to write to the target, as read from the source.
 *
 * @param key        the key's bytes (binary-safe)
 * @param payload    its DUMP payload
 * @param expireAtMs absolute expiry in Unix milliseconds, or {@link #NO_EXPIRY}
 * @param type       the key's type when the reader knows it ({@code string}, {@code hash} ...), else null
 */
public record KeyRecord(byte[] key, byte[] payload, long expireAtMs, String type) {

    public static final long NO_EXPIRY = 0;

    public boolean expires() {
        return expireAtMs != NO_EXPIRY;
    }
}
