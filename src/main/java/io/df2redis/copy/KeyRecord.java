package io.df2redis.copy;

/**
 * One key to write to the target, as read from the source.
 *
 * @param key          the key's bytes (binary-safe)
 * @param payload      its DUMP payload; null for a big key whose payload was not kept (see {@link #unread})
 * @param expireAtMs   absolute expiry in Unix milliseconds, or {@link #NO_EXPIRY}
 * @param type         the key's type when the reader knows it ({@code string}, {@code hash} ...), else null
 * @param payloadBytes the payload's size in bytes
 */
public record KeyRecord(byte[] key, byte[] payload, long expireAtMs, String type, long payloadBytes) {

    public static final long NO_EXPIRY = 0;

    public KeyRecord(byte[] key, byte[] payload, long expireAtMs, String type) {
        this(key, payload, expireAtMs, type, payload == null ? 0 : payload.length);
    }

    /**
     * A key whose DUMP payload ({@code payloadBytes} long) was too big to keep in memory: the writer
     * copies it by value in chunks.
     */
    public static KeyRecord unread(byte[] key, long payloadBytes, long expireAtMs) {
        return new KeyRecord(key, null, expireAtMs, null, payloadBytes);
    }

    public boolean expires() {
        return expireAtMs != NO_EXPIRY;
    }
}
