package io.df2redis.contract.meta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The meta key of a data key, as the proxy's CAS hook writes it and the importer's guard reads it. */
class MetaKeysTest {

    @Test
    void putsTheKeyBytesWhereThePatternHasItsHole() {
        assertArrayEquals(bytes("__df2redis_meta__:user:1"), MetaKeys.metaKey("__df2redis_meta__:%s", bytes("user:1")));
        assertArrayEquals(bytes("m:{user:1}:ts"), MetaKeys.metaKey("m:{{key}}:ts", bytes("user:1")));
        byte[] binary = {(byte) 0xc3, 0, '%'};
        assertArrayEquals(new byte[] {'m', ':', (byte) 0xc3, 0, '%'}, MetaKeys.metaKey("m:%s", binary), "binary keys unchanged");
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
