package io.df2redis.proxy.runtime;

import com.netease.nim.camellia.redis.proxy.conf.MultiWriteMode;
import com.netease.nim.camellia.redis.proxy.netty.GlobalRedisProxyEnv;
import com.netease.nim.camellia.redis.proxy.upstream.AsyncCamelliaRedisEnv;
import com.netease.nim.camellia.redis.proxy.upstream.AsyncCamelliaRedisTemplate;
import java.lang.reflect.Field;

/**
 * Changes the multi-write mode of the running proxy. Camellia 1.1.1 reads the mode once, into a
 * final field of its template and environment; setting both in place avoids the restart (and the
 * dropped connections) that re-reading it would need. Commands already sent finish in the mode they
 * were sent in; the next ones use the new mode.
 */
final class MultiWriteModes {

    private volatile MultiWriteMode current;

    MultiWriteModes(MultiWriteMode initial) {
        this.current = initial;
    }

    MultiWriteMode current() {
        return current;
    }

    synchronized void apply(MultiWriteMode mode) {
        AsyncCamelliaRedisTemplate template = GlobalRedisProxyEnv.chooser.choose(RouteUpdater.BID, RouteUpdater.BGROUP);
        if (template == null) {
            throw new IllegalStateException("the proxy has no route template yet");
        }
        try {
            set(AsyncCamelliaRedisTemplate.class, template, mode);
            set(AsyncCamelliaRedisEnv.class, GlobalRedisProxyEnv.chooser.getEnv(), mode);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot change the multi-write mode in place (" + e + ")", e);
        }
        current = mode;
    }

    private static void set(Class<?> type, Object target, MultiWriteMode mode) throws ReflectiveOperationException {
        Field field = type.getDeclaredField("multiWriteMode");
        field.setAccessible(true);
        field.set(target, mode);
        if (field.get(target) != mode) {
            throw new IllegalStateException(type.getSimpleName() + ".multiWriteMode did not change");
        }
    }
}
