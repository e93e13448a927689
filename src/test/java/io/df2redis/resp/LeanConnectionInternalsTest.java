package io.df2redis.resp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.df2redis.local.LocalRedis;
import io.df2redis.testing.TempDirs;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.internal.PlatformDependent;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.impl.VertxInternal;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.impl.NetSocketInternal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pins the Vert.x and Netty internals that the lean connection ({@link PipelinedConnection}, {@link LeanLoop})
 * relies on for the copy's speed, against a real redis-server. An upgrade of Quarkus, Vert.x or Netty that
 * moves one of them fails here with a message naming it, instead of stalling the copy or quietly slowing it
 * (the connection falls back to the public socket API when the socket is not the internal one).
 */
class LeanConnectionInternalsTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static Path home;
    private static LocalRedis server;

    @BeforeAll
    static void start() throws IOException {
        home = Files.createTempDirectory("df2redis-lean-internals-");
        server = LocalRedis.start(home, Optional.empty());
    }

    @AfterAll
    static void stop() {
        server.close();
        TempDirs.delete(home);
    }

    @Test
    void vertxIsAVertxInternalThatMakesEventLoopContextsAndRunsCloseHooks() throws Exception {
        Vertx vertx = Vertx.vertx();
        CompletableFuture<Void> hookRan = new CompletableFuture<>();
        try {
            VertxInternal internal = assertInstanceOf(VertxInternal.class, vertx,
                    "Vertx.vertx() is no longer an io.vertx.core.impl.VertxInternal: LeanLoop needs it for its event loop");
            Context loop = LeanLoop.of(vertx);
            assertTrue(loop.isEventLoopContext(), "VertxInternal.createEventLoopContext() no longer makes an event-loop context");
            assertSame(loop, LeanLoop.of(vertx), "LeanLoop gives every connection of one Vert.x instance the same loop");
            internal.addCloseHook(closed -> {
                hookRan.complete(null);
                closed.complete();
            });
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        assertTrue(hookRan.isDone(), "VertxInternal.addCloseHook no longer runs its hook when Vert.x closes: LeanLoop would keep "
                + "the loop of every closed instance");
    }

    @Test
    void theLeanConnectionReadsTheInternalSocketsOwnBuffers() {
        io.vertx.mutiny.core.Vertx vertx = io.vertx.mutiny.core.Vertx.vertx();
        try (RedisSide side = new RedisSide(vertx, new RedisEndpoint("target", List.of(server.address()), Optional.empty(),
                Optional.empty(), false, false), WAIT, 1)) {
            LeanConnection connection = side.pipelined(0, Integer.MAX_VALUE).await().atMost(WAIT);
            try {
                PipelinedConnection lean = assertInstanceOf(PipelinedConnection.class, connection);
                assertTrue(lean.readsSocketBuffers(), "NetClient.connect no longer gives an io.vertx.core.net.impl.NetSocketInternal: "
                        + "the copy would read through the slower public NetSocket handler");
                RespReplies replies = connection.send(new RespCommands(16).command(1).arg("PING")).await().atMost(WAIT);
                assertEquals("PONG", replies.text(0), "a reply read from the socket's own buffers");
            } finally {
                connection.close();
            }
        } finally {
            vertx.closeAndAwait();
        }
    }

    @Test
    void theInternalSocketHandsOverNettyBuffersAndWritesDirectOnesWhoseBytesAreReadByAddress() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            NetClient client = vertx.createNetClient();
            int port = Integer.parseInt(server.address().substring(server.address().lastIndexOf(':') + 1));
            NetSocket socket = client.connect(port, "127.0.0.1").toCompletionStage().toCompletableFuture()
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS);
            NetSocketInternal raw = assertInstanceOf(NetSocketInternal.class, socket,
                    "the socket of NetClient.connect is no longer an io.vertx.core.net.impl.NetSocketInternal");
            CompletableFuture<Object> received = new CompletableFuture<>();
            CompletableFuture<String> bytesByAddress = new CompletableFuture<>();
            raw.messageHandler(message -> {
                try {
                    if (message instanceof ByteBuf chunk && chunk.hasMemoryAddress()) {
                        byte[] read = new byte[chunk.readableBytes()];
                        for (int i = 0; i < read.length; i++) {
                            read[i] = PlatformDependent.getByte(chunk.memoryAddress() + chunk.readerIndex() + i);
                        }
                        bytesByAddress.complete(new String(read, StandardCharsets.US_ASCII));
                    }
                    received.complete(message);
                } finally {
                    ReferenceCountUtil.release(message);
                }
            });
            ByteBuf out = raw.channelHandlerContext().alloc().directBuffer(16);
            assertTrue(out.isDirect(), "NetSocketInternal.channelHandlerContext().alloc() no longer gives a direct buffer");
            out.writeBytes("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            raw.writeMessage(out);

            Object message = received.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertInstanceOf(ByteBuf.class, message, "NetSocketInternal.messageHandler no longer hands over Netty ByteBufs: "
                    + "the lean connection's parser reads nothing else");
            assertTrue(bytesByAddress.isDone(), "the socket's buffers no longer have a memory address (ByteBuf.hasMemoryAddress): "
                    + "the parser reads short lines by PlatformDependent.getByte at that address");
            assertEquals("+PONG\r\n", bytesByAddress.get(), "PlatformDependent.getByte at the buffer's memory address reads its bytes");
            socket.close();
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
    }
}
