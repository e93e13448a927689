package io.df2redis.proxy.runtime;

import com.netease.nim.camellia.redis.proxy.reply.Reply;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/** {@code +OK} to a QUIT: the {@link CommandGate} closes the connection once it is written. */
final class ClosingReply implements Reply {

    static final ClosingReply OK = new ClosingReply();
    private static final byte[] BYTES = "+OK\r\n".getBytes(StandardCharsets.US_ASCII);

    private ClosingReply() {
    }

    @Override
    public void write(ByteBuf byteBuf) {
        byteBuf.writeBytes(BYTES);
    }
}
