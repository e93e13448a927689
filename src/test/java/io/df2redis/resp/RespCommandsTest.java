package io.df2redis.resp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The RESP encoding of pipelined commands. */
class RespCommandsTest {

    @Test
    void commandsWithArgumentsOfEveryLengthEncodeToPlainResp() {
        byte[] shortest = new byte[0];
        byte[] small = filled(255, 'a');
        byte[] medium = filled(256, 'b');
        byte[] big = filled(70_000, 'c');
        // A size hint far too small: the array grows several times.
        RespCommands commands = new RespCommands(8);
        commands.command(5).arg("RESTORE").arg(medium).arg(-1).arg(big).arg(Long.MAX_VALUE);
        commands.command(3).arg("SET").arg(shortest).arg(small);
        commands.command(2).arg("DUMP").arg(big);

        byte[] expected = resp(new Object[] {"RESTORE", medium, "-1", big, String.valueOf(Long.MAX_VALUE)},
                new Object[] {"SET", shortest, small}, new Object[] {"DUMP", big});
        assertArrayEquals(expected, commands.buffer().getBytes());
        assertEquals(3, commands.count());
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
