package io.df2redis.contract.resp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The RESP encoding and the reply values of the contract's client (live servers are used by both sides' tests). */
class RespConnectionTest {

    @Test
    void encodesACommandAsAnArrayOfBulkStrings() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RespConnection.encode(out, RespConnection.arguments(new Object[] {"SET", "k", 12, new byte[] {0, 1}}));
        assertEquals("*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\n12\r\n$2\r\n\0\1\r\n", out.toString(StandardCharsets.ISO_8859_1));
    }

    @Test
    void decodesEachReplyKindAsAPlainValue() throws Exception {
        ByteArrayInputStream in = new ByteArrayInputStream(("+OK\r\n-ERR no\r\n:42\r\n$4\r\nhé!\r\n$-1\r\n*2\r\n:1\r\n*-1\r\n")
                .getBytes(StandardCharsets.UTF_8));
        assertEquals("OK", RespConnection.decode(in));
        assertEquals(new RespConnection.Error("ERR no"), RespConnection.decode(in));
        assertEquals(42L, RespConnection.decode(in));
        assertEquals("hé!", RespConnection.decode(in));
        assertNull(RespConnection.decode(in));
        assertEquals(java.util.Arrays.asList(1L, null), RespConnection.decode(in));
    }

    @Test
    void givesBulkStringsAsBytesOrText() {
        assertEquals("hé", RespConnection.text("hé".getBytes(StandardCharsets.UTF_8)));
        assertEquals("7", RespConnection.text(7L));
    }
}
