package io.df2redis.copy;

/**
 * DUMP payloads end with the RDB version (2 bytes, little-endian) and a CRC-64 (8 bytes, little-endian)
 * of everything before it. Redis's CRC-64 is the Jones variant: reflected, polynomial 0xad93d23594c935a9.
 */
final class DumpPayloads {

    /** 0xad93d23594c935a9 with its bits reversed, for the reflected (LSB-first) loop. */
    private static final long REFLECTED_POLY = Long.reverse(0xad93d23594c935a9L);

    private DumpPayloads() {
    }

    static long crc64(byte[] data, int length) {
        long crc = 0;
        for (int i = 0; i < length; i++) {
            crc ^= data[i] & 0xff;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ REFLECTED_POLY : crc >>> 1;
            }
        }
        return crc;
    }

    /** The checksum stored in a payload's footer. */
    static long crc(byte[] payload) {
        long crc = 0;
        for (int i = 0; i < 8; i++) {
            crc |= (payload[payload.length - 8 + i] & 0xffL) << (8 * i);
        }
        return crc;
    }

    /** The same payload claiming another RDB version, with a valid checksum: a payload the target does not know. */
    static byte[] withRdbVersion(byte[] payload, int version) {
        byte[] copy = payload.clone();
        copy[copy.length - 10] = (byte) version;
        copy[copy.length - 9] = (byte) (version >>> 8);
        long crc = crc64(copy, copy.length - 8);
        for (int i = 0; i < 8; i++) {
            copy[copy.length - 8 + i] = (byte) (crc >>> (8 * i));
        }
        return copy;
    }
}
