package io.df2redis.resp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

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

    /**
     * Commands sent once give their array back to the thread: the next such commands reuse it and encode
     * only their own bytes (a shorter pipeline after a longer one carries nothing of the first), and
     * commands already sent refuse to be copied out again rather than send what the array holds now.
     */
    @Test
    void onceCommandsGiveTheirArrayBackAndCannotBeSentAgain() {
        RespCommands first = RespCommands.once(64);
        first.command(3).arg("SET").arg(filled(5_000, 'x')).arg(filled(3_000, 'y'));
        ByteBuf firstOut = Unpooled.buffer();
        first.copyTo(firstOut);
        assertArrayEquals(resp(new Object[] {"SET", filled(5_000, 'x'), filled(3_000, 'y')}), bytes(firstOut));

        RespCommands second = RespCommands.once(8_000);
        second.command(2).arg("GET").arg("k");
        ByteBuf secondOut = Unpooled.buffer();
        second.copyTo(secondOut);
        assertArrayEquals(resp(new Object[] {"GET", "k"}), bytes(secondOut));

        IllegalStateException again = assertThrows(IllegalStateException.class, () -> first.copyTo(Unpooled.buffer()));
        assertTrue(again.getMessage().contains("sent already"), again.getMessage());
    }

    @Test
    void numbersOfEveryMagnitudeEncodeAsTheirDecimalDigits() {
        long[] numbers = {0, 7, -7, 9, 10, 999_999_999L, 1_000_000_000L, -1_000_000_000L, 1_000_000_007L,
                1_764_201_600_123L, Integer.MAX_VALUE, Integer.MIN_VALUE, 4_000_000_000_000_000_001L, Long.MAX_VALUE, Long.MIN_VALUE};
        RespCommands commands = new RespCommands(16);
        Object[] expected = new Object[numbers.length + 1];
        commands.command(numbers.length + 1).arg("ECHO");
        expected[0] = "ECHO";
        for (int i = 0; i < numbers.length; i++) {
            commands.arg(numbers[i]);
            expected[i + 1] = Long.toString(numbers[i]);
        }
        assertArrayEquals(resp(expected), commands.buffer().getBytes());
    }

    @Test
    void headsAndTailsEncodedOnceMakeTheSameCommandsAsArgumentByArgument() {
        byte[] key = {'k', 0, (byte) 0xff};
        byte[] payload = new byte[300];
        new java.util.Random(5).nextBytes(payload);
        byte[] head = RespCommands.head(6, "RESTORE".getBytes(StandardCharsets.US_ASCII));
        byte[] tail = RespCommands.tail("REPLACE".getBytes(StandardCharsets.US_ASCII), "ABSTTL".getBytes(StandardCharsets.US_ASCII));
        RespCommands fixed = new RespCommands(16);
        RespCommands byArgument = new RespCommands(16);
        for (int i = 0; i < 3; i++) {
            fixed.command(head).arg(key).arg(1_764_201_600_123L + i).arg(payload).args(tail);
            byArgument.command(6).arg("RESTORE").arg(key).arg(1_764_201_600_123L + i).arg(payload).arg("REPLACE").arg("ABSTTL");
        }
        assertEquals(3, fixed.count());
        assertArrayEquals(byArgument.buffer().getBytes(), fixed.buffer().getBytes());
        assertArrayEquals(resp(new Object[] {"RESTORE", key, "1764201600123", payload, "REPLACE", "ABSTTL"}),
                Arrays.copyOf(fixed.buffer().getBytes(), fixed.buffer().length() / 3));
    }

    @Test
    void randomNumbersOfEveryLengthEncodeAsTheirDecimalDigits() {
        java.util.Random random = new java.util.Random(11);
        RespCommands commands = new RespCommands(16);
        int count = 20_000;
        Object[] expected = new Object[count + 1];
        commands.command(count + 1).arg("ECHO");
        expected[0] = "ECHO";
        for (int i = 0; i < count; i++) {
            // Every length from 1 to 19 digits, both signs, with zeros inside (the nine-digit groups pad them).
            long number = random.nextLong() >> random.nextInt(64);
            if (i % 3 == 0) {
                number = number / 1_000_000_000L * 1_000_000_000L + random.nextInt(1000);
            }
            commands.arg(number);
            expected[i + 1] = Long.toString(number);
        }
        assertArrayEquals(resp(expected), commands.buffer().getBytes());
    }

    private static byte[] bytes(ByteBuf buffer) {
        byte[] bytes = new byte[buffer.readableBytes()];
        buffer.getBytes(buffer.readerIndex(), bytes);
        return bytes;
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
