package io.df2redis.resp;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.internal.PlatformDependent;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.impl.NetSocketInternal;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The {@link LeanConnection} over a Vert.x socket, RESP2 (SCAN, DUMP, PTTL, RESTORE): replies are parsed
 * as the bytes arrive on the socket's event loop. Compared with the general client this allocates
 * nothing per command but the payload bytes (and a list per array reply), and keeps any number of
 * commands in flight; a big key's DUMP over {@code bulkLimit} never sits in memory.
 *
 * <p>For speed it uses Vert.x's internal socket API ({@link NetSocketInternal}: the socket's own Netty
 * buffers, and buffers written without a copy) and Netty's {@link PlatformDependent}; with {@link LeanLoop}
 * these are the Vert.x and Netty internals of this service, pinned by {@code LeanConnectionInternalsTest}.
 */
final class PipelinedConnection implements LeanConnection {

    private static final String OK = "OK";
    private static final int SHORT_LINE = 32;

    private final NetSocket socket;
    /** The socket as Vert.x's internal API, when it is one: reads its buffers, writes buffers it then owns. */
    private final NetSocketInternal raw;
    private final long bulkLimit;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private final Parser parser = new Parser();
    private Throwable broken;

    private record Pending(RespReplies replies, UniEmitter<? super RespReplies> emitter) {
    }

    private PipelinedConnection(NetSocket socket, long bulkLimit) {
        this.socket = socket;
        this.bulkLimit = bulkLimit;
        this.raw = socket instanceof NetSocketInternal internal ? internal : null;
        if (raw != null) {
            // The socket's own buffers, not the heap copy a NetSocket handler gets: the parser copies what it keeps.
            // NetSocketInternal is Vert.x's internal API (its SQL clients read this way); the handler below is the fallback.
            raw.messageHandler(message -> {
                try {
                    if (message instanceof ByteBuf chunk) {
                        parser.parse(chunk);
                    } else {
                        fail(new IllegalStateException("Vert.x handed NetSocketInternal.messageHandler a "
                                + message.getClass().getName() + " where a Netty ByteBuf was expected"));
                    }
                } finally {
                    ReferenceCountUtil.release(message);
                }
            });
        } else {
            socket.handler(received -> parser.parse(received.getByteBuf()));
        }
        socket.exceptionHandler(this::fail);
        socket.closeHandler(closed -> fail(new ClosedChannelException()));
    }

    /**
     * Connects on {@code loop} (the connection's event loop from then on), logs in (AUTH with the endpoint's
     * user and password) and selects {@code db}.
     */
    static Uni<PipelinedConnection> open(NetClient client, Context loop, RedisEndpoint endpoint, String address, int db, long bulkLimit) {
        int colon = address.lastIndexOf(':');
        String host = address.substring(0, colon);
        int port = Integer.parseInt(address.substring(colon + 1));
        return Uni.createFrom().<NetSocket>emitter(emitter -> {
                    AtomicBoolean over = new AtomicBoolean();
                    emitter.onTermination(() -> over.set(true));
                    loop.runOnContext(onLoop -> client.connect(port, host).onComplete(connected -> {
                        if (connected.failed()) {
                            emitter.fail(connected.cause());
                        } else if (over.get()) {
                            connected.result().close(); // given up on (a timeout) while it connected
                        } else {
                            emitter.complete(connected.result());
                        }
                    }));
                })
                .map(socket -> new PipelinedConnection(socket, bulkLimit))
                .call(connection -> connection.handshake(endpoint.user(), endpoint.password(), db)
                        .onFailure().invoke(connection::close));
    }

    private Uni<Void> handshake(Optional<String> user, Optional<String> password, int db) {
        RespCommands commands = new RespCommands(128);
        if (password.isPresent()) {
            if (user.isPresent()) {
                commands.command(3).arg("AUTH").arg(user.get()).arg(password.get());
            } else {
                commands.command(2).arg("AUTH").arg(password.get());
            }
        }
        if (db > 0) {
            commands.command(2).arg("SELECT").arg(db);
        }
        if (commands.count() == 0) {
            return Uni.createFrom().voidItem();
        }
        return send(commands)
                .invoke(replies -> {
                    int error = replies.firstError();
                    if (error >= 0) {
                        throw new IllegalStateException(replies.errorMessage(error));
                    }
                })
                .replaceWithVoid();
    }

    /** True when the socket is Vert.x's internal one, whose own buffers are read (the fast path). */
    boolean readsSocketBuffers() {
        return raw != null;
    }

    /**
     * The bytes go out from a pooled direct buffer that the socket releases once written (the copy the
     * socket would make of a heap buffer anyway), so that {@link RespCommands#once} commands can give
     * their array back at once.
     */
    @Override
    public Uni<RespReplies> send(RespCommands commands) {
        return Uni.createFrom().emitter(emitter -> {
            synchronized (pending) {
                if (broken != null) {
                    emitter.fail(broken);
                    return;
                }
                if (raw == null) {
                    pending.add(new Pending(new RespReplies(commands.count()), emitter));
                    socket.write(commands.buffer());
                    return;
                }
                ByteBuf out = raw.channelHandlerContext().alloc().directBuffer(commands.length());
                try {
                    commands.copyTo(out);
                } catch (RuntimeException e) {
                    out.release();
                    emitter.fail(e);
                    return;
                }
                pending.add(new Pending(new RespReplies(commands.count()), emitter));
                raw.writeMessage(out);
            }
        });
    }

    @Override
    public void close() {
        fail(new ClosedChannelException());
        socket.close();
    }

    private void fail(Throwable cause) {
        Pending[] failed;
        synchronized (pending) {
            if (broken == null) {
                broken = cause;
            }
            failed = pending.toArray(new Pending[0]);
            pending.clear();
        }
        for (Pending p : failed) {
            p.emitter().fail(cause);
        }
        if (!(cause instanceof ClosedChannelException)) {
            socket.close();
        }
    }

    private void reply(byte kind, long number, Object value) {
        Pending current;
        synchronized (pending) {
            current = pending.peek();
            if (current == null) {
                fail(new IllegalStateException("a reply came that no command asked for"));
                return;
            }
            current.replies().add(kind, number, value);
            if (!current.replies().complete()) {
                return;
            }
            pending.poll();
        }
        current.emitter().complete(current.replies());
    }

    /** RESP2 reply parser; keeps its state between the chunks the socket delivers. */
    private final class Parser {

        private byte[] line = new byte[64];
        private int lineLength;
        /** Bytes of the current bulk string still to read (then its CRLF), or -1 when reading a line. */
        private long bulkRemaining = -1;
        private byte[] bulk;
        private int bulkFilled;
        private long bulkLength;
        private int crlfRemaining;
        /** Elements still expected by each array being read, innermost last. */
        private long[] arrays = new long[8];
        private int depth;
        private long topArrayLength;
        /** The leaves of the top-level array being read, flattened. */
        private List<Object> elements = new ArrayList<>();

        void parse(ByteBuf chunk) {
            int at = chunk.readerIndex();
            int end = chunk.writerIndex();
            try {
                while (at < end) {
                    if (crlfRemaining > 0) {
                        int skip = Math.min(crlfRemaining, end - at);
                        crlfRemaining -= skip;
                        at += skip;
                        if (crlfRemaining == 0) {
                            bulkDone();
                        }
                    } else if (bulkRemaining >= 0) {
                        int take = (int) Math.min(bulkRemaining, end - at);
                        if (bulk != null) {
                            chunk.getBytes(at, bulk, bulkFilled, take);
                            bulkFilled += take;
                        }
                        bulkRemaining -= take;
                        at += take;
                        if (bulkRemaining == 0) {
                            bulkRemaining = -1;
                            crlfRemaining = 2;
                        }
                    } else {
                        at = readLine(chunk, at, end);
                    }
                }
            } catch (RuntimeException e) {
                fail(e);
            }
        }

        /** Takes bytes up to the next LF (a line ends with CR LF; a lone LF is part of the line). */
        private int readLine(ByteBuf chunk, int at, int end) {
            int newline = chunk.indexOf(at, end, (byte) '\n');
            int stop = newline < 0 ? end : newline + 1;
            int size = stop - at;
            if (lineLength + size > line.length) {
                line = Arrays.copyOf(line, Math.max(line.length * 2, lineLength + size));
            }
            if (size <= SHORT_LINE && chunk.hasMemoryAddress()) {
                // A reply's line is a few bytes: read them one by one rather than through a bulk copy's checks.
                long address = chunk.memoryAddress() + at;
                for (int i = 0; i < size; i++) {
                    line[lineLength + i] = PlatformDependent.getByte(address + i);
                }
            } else {
                chunk.getBytes(at, line, lineLength, size);
            }
            lineLength += size;
            if (newline >= 0 && lineLength >= 2 && line[lineLength - 2] == '\r') {
                lineLength -= 2;
                lineDone();
                lineLength = 0;
            }
            return stop;
        }

        private void lineDone() {
            byte kind = line[0];
            switch (kind) {
                case '+' -> value(RespReplies.STATUS, 0, ok() ? OK : text());
                case '-' -> value(RespReplies.ERROR, 0, text());
                case ':' -> value(RespReplies.INTEGER, number(), null);
                case '_' -> value(RespReplies.NIL, -1, null);
                case ',', '#' -> value(RespReplies.STATUS, 0, text());
                case '$' -> {
                    long length = number();
                    if (length < 0) {
                        value(RespReplies.NIL, -1, null);
                    } else {
                        bulkLength = length;
                        bulkRemaining = length;
                        bulkFilled = 0;
                        // A bulk over the limit is skipped as it passes.
                        bulk = length <= bulkLimit ? new byte[(int) length] : null;
                        if (length == 0) {
                            bulkRemaining = -1;
                            crlfRemaining = 2;
                        }
                    }
                }
                case '*' -> {
                    long length = number();
                    if (length <= 0 && depth == 0) {
                        value(length < 0 ? RespReplies.NIL : RespReplies.ARRAY, length, length < 0 ? null : List.of());
                    } else if (length <= 0) {
                        elementDone(); // an empty or nil array inside an array has no leaves
                    } else {
                        if (depth == 0) {
                            topArrayLength = length;
                        }
                        if (depth == arrays.length) {
                            arrays = Arrays.copyOf(arrays, depth * 2);
                        }
                        arrays[depth++] = length;
                    }
                }
                default -> throw new IllegalStateException("unexpected RESP reply type '" + (char) kind + "'");
            }
        }

        private void bulkDone() {
            byte[] value = bulk;
            bulk = null;
            value(RespReplies.BULK, bulkLength, value);
        }

        /** One complete value: a top-level reply, or a leaf of the array being read. */
        private void value(byte kind, long number, Object value) {
            if (depth == 0) {
                reply(kind, number, value);
                return;
            }
            elements.add(kind == RespReplies.INTEGER ? Long.valueOf(number) : value);
            elementDone();
        }

        private void elementDone() {
            while (depth > 0 && --arrays[depth - 1] == 0) {
                depth--;
            }
            if (depth == 0) {
                List<Object> done = elements;
                elements = new ArrayList<>();
                reply(RespReplies.ARRAY, topArrayLength, done);
            }
        }

        /** The status line is {@code +OK}: each RESTORE answers it, so it is not made into a string each time. */
        private boolean ok() {
            return lineLength == 3 && line[1] == 'O' && line[2] == 'K';
        }

        private String text() {
            return new String(line, 1, lineLength - 1, StandardCharsets.UTF_8);
        }

        private long number() {
            long value = 0;
            boolean negative = false;
            for (int i = 1; i < lineLength; i++) {
                byte b = line[i];
                if (b == '-') {
                    negative = true;
                } else {
                    value = value * 10 + (b - '0');
                }
            }
            return negative ? -value : value;
        }
    }
}
