package io.df2redis.resp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The RESP encoding of pipelined commands, with payloads referred to rather than copied. */
class RespCommandsTest {

    @Test
    void commandsWithShortAndLongArgumentsEncodeToPlainResp() {
        byte[] shortest = new byte[0];
        byte[] justBelow = filled(RespCommands.REFERENCED_BYTES - 1, 'a');
        byte[] referred = filled(RespCommands.REFERENCED_BYTES, 'b');
        byte[] big = filled(70_000, 'c');
        // A size hint far too small: the array grows after arguments were referred to.
        RespCommands commands = new RespCommands(8);
        commands.command(5).arg("RESTORE").arg(referred).arg(-1).arg(big).arg(Long.MAX_VALUE);
        commands.command(3).arg("SET").arg(shortest).arg(justBelow);
        commands.command(2).arg("DUMP").arg(big);

        byte[] expected = resp(new Object[] {"RESTORE", referred, "-1", big, String.valueOf(Long.MAX_VALUE)},
                new Object[] {"SET", shortest, justBelow}, new Object[] {"DUMP", big});
        assertArrayEquals(expected, commands.buffer().getBytes());
        assertEquals(3, commands.count());
    }

    @Test
    void aLongArgumentIsReferredToNotCopied() {
        byte[] payload = filled(RespCommands.REFERENCED_BYTES, 'x');
        byte[] name = filled(RespCommands.REFERENCED_BYTES - 1, 'n');
        RespCommands commands = new RespCommands(64).command(3).arg("SET").arg(name).arg(payload);
        payload[0] = 'y';
        name[0] = 'm';

        String encoded = commands.buffer().toString(StandardCharsets.ISO_8859_1);
        assertEquals(1, encoded.chars().filter(c -> c == 'y').count(), "the payload's change shows: it was not copied");
        assertEquals(0, encoded.chars().filter(c -> c == 'm').count(), "the short argument was copied when it was added");
    }

    private static byte[] filled(int length, char c) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) c);
        return bytes;
    }

    private static byte[] resp(Object[]... commands) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object[] command : commands) {
            out.writeBytes(("*" + command.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            for (Object argument : command) {
                byte[] bytes = argument instanceof byte[] b ? b : ((String) argument).getBytes(StandardCharsets.UTF_8);
                out.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.writeBytes(bytes);
                out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
        }
        return out.toByteArray();
    }
}
