package io.df2redis.contract.cluster;

import java.nio.charset.StandardCharsets;

/**
 * Redis Cluster hash slots: CRC16 (XMODEM) of the key, or of its hash tag (the bytes between the
 * first {@code &#123;} and the first {@code &#125;} after it, when not empty), modulo 16384.
 */
public final class HashSlot {

    public static final int SLOTS = 16384;

    private static final int[] TABLE = table();
    private static volatile String[] tagsBySlot;

    private HashSlot() {
    }

    public static int of(byte[] key) {
        int open = indexOf(key, (byte) '{', 0);
        if (open >= 0) {
            int close = indexOf(key, (byte) '}', open + 1);
            if (close > open + 1) {
                return crc16(key, open + 1, close) & (SLOTS - 1);
            }
        }
        return crc16(key, 0, key.length) & (SLOTS - 1);
    }

    /**
     * A hash tag ({@code {df2redis-tmp-N}}) that hashes to {@code slot}. A temporary key made of this
     * tag and any suffix lives on the same slot as the real key, whatever braces the real key holds,
     * so RENAME works on a cluster.
     */
    public static String tagFor(int slot) {
        String[] tags = tagsBySlot;
        if (tags == null) {
            tags = buildTags();
        }
        return tags[slot];
    }

    public static int crc16(byte[] bytes, int from, int to) {
        int crc = 0;
        for (int i = from; i < to; i++) {
            crc = ((crc << 8) ^ TABLE[((crc >>> 8) ^ bytes[i]) & 0xff]) & 0xffff;
        }
        return crc;
    }

    private static synchronized String[] buildTags() {
        if (tagsBySlot != null) {
            return tagsBySlot;
        }
        String[] tags = new String[SLOTS];
        int missing = SLOTS;
        for (int n = 0; missing > 0; n++) {
            String tag = "df2redis-tmp-" + n;
            byte[] bytes = tag.getBytes(StandardCharsets.US_ASCII);
            int slot = crc16(bytes, 0, bytes.length) & (SLOTS - 1);
            if (tags[slot] == null) {
                tags[slot] = "{" + tag + "}";
                missing--;
            }
        }
        tagsBySlot = tags;
        return tags;
    }

    private static int indexOf(byte[] bytes, byte wanted, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == wanted) {
                return i;
            }
        }
        return -1;
    }

    private static int[] table() {
        int[] table = new int[256];
        for (int i = 0; i < 256; i++) {
            int crc = i << 8;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
            table[i] = crc & 0xffff;
        }
        return table;
    }
}
