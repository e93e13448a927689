package io.df2redis.proxy.runtime;

import com.netease.nim.camellia.redis.proxy.enums.RedisCommand;
import java.lang.reflect.Field;
import java.util.List;

/**
 * Camellia 1.1.1 types some writing commands as reads ({@code LTRIM}, {@code SORT}, {@code BITFIELD},
 * {@code GEORADIUS}, {@code GEORADIUSBYMEMBER}): a read route would send them to one side only, and
 * during a read split possibly to the side that is not primary, where the write would be lost (the
 * drain copies the primary's value over it). Typed as writes they go to the primary and its mirror.
 * Their read-only forms then also run on both sides and answer from the primary: correct, slightly
 * more load. Done once at start, before any client connects; the proxy refuses to start if it fails.
 */
final class WritingReads {

    static final List<RedisCommand> COMMANDS = List.of(RedisCommand.LTRIM, RedisCommand.SORT, RedisCommand.BITFIELD,
            RedisCommand.GEORADIUS, RedisCommand.GEORADIUSBYMEMBER);

    private WritingReads() {
    }

    static void typeAsWrites() {
        try {
            Field type = RedisCommand.class.getDeclaredField("type");
            type.setAccessible(true);
            for (RedisCommand command : COMMANDS) {
                type.set(command, RedisCommand.Type.WRITE);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot route LTRIM/SORT/BITFIELD/GEORADIUS as writes (" + e
                    + "): they could be lost during a read split; refusing to start", e);
        }
        for (RedisCommand command : COMMANDS) {
            if (command.getType() != RedisCommand.Type.WRITE) {
                throw new IllegalStateException(command + " is still typed as a read; refusing to start");
            }
        }
    }
}
