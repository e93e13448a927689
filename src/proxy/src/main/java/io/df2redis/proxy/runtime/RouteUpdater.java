package io.df2redis.proxy.runtime;

import io.df2redis.contract.secrets.RedisUrls;
import com.netease.nim.camellia.core.model.Resource;
import com.netease.nim.camellia.core.model.ResourceTable;
import com.netease.nim.camellia.core.model.operation.ResourceOperation;
import com.netease.nim.camellia.core.model.operation.ResourceReadOperation;
import com.netease.nim.camellia.core.model.operation.ResourceWriteOperation;
import com.netease.nim.camellia.core.util.ReadableResourceTableUtil;
import com.netease.nim.camellia.redis.proxy.route.ProxyRouteConfUpdater;
import com.netease.nim.camellia.redis.resource.RedisResourceUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The route of the proxy, switched at run time by the df2redis service through the console. A
 * route is validated before it replaces the current one (an invalid route keeps the old one) and
 * is written back to the route file atomically, so that a restarted proxy starts on it.
 */
public final class RouteUpdater extends ProxyRouteConfUpdater {

    static final long BID = 1;
    static final String BGROUP = "default";

    private final Path routeFile;
    private final AtomicLong version = new AtomicLong();
    private volatile ResourceTable table;
    private volatile String json;
    private volatile boolean readsFromMirror;
    private volatile Runnable onApplied = () -> { };

    RouteUpdater(Path routeFile) throws IOException {
        this.routeFile = routeFile;
        String initial = Files.readString(routeFile, StandardCharsets.UTF_8).trim();
        this.table = validate(initial);
        this.json = initial;
        this.readsFromMirror = readsFromMirror(table);
        version.set(1);
    }

    @Override
    public ResourceTable getResourceTable(long bid, String bgroup) {
        return table;
    }

    /** Validates and applies a route; throws IllegalArgumentException (old route kept) when it is not valid. */
    synchronized long apply(String routeJson) throws IOException {
        String trimmed = routeJson.trim();
        ResourceTable parsed = validate(trimmed);
        invokeUpdateResourceTable(BID, BGROUP, parsed);
        table = parsed;
        json = trimmed;
        readsFromMirror = readsFromMirror(parsed);
        // The route holds the backends' passwords: the temp file is created 0600, never under the umask.
        Path temp = routeFile.resolveSibling(routeFile.getFileName() + ".tmp");
        Files.deleteIfExists(temp);
        Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(temp, trimmed, StandardCharsets.UTF_8);
        Files.move(temp, routeFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        long applied = version.incrementAndGet();
        try {
            onApplied.run();
        } catch (RuntimeException e) {
            System.err.println("df2redis-proxy: after the route change, clients' own connections could not follow it ("
                    + e.getClass().getSimpleName() + "); each follows on its next command");
        }
        return applied;
    }

    /** True while writes go to more than one backend (a plain URL is a single-backend pass-through). */
    boolean multiBackend() {
        return json.startsWith("{") && json.contains("\"multi\"");
    }

    /** True while some reads go to a backend that is not the primary (the first write backend): the read batches. */
    boolean readsFromMirror() {
        return readsFromMirror;
    }

    private static boolean readsFromMirror(ResourceTable table) {
        java.util.Collection<ResourceOperation> operations = table.getType() == ResourceTable.Type.SHADING
                ? table.getShadingTable().getResourceOperationMap().values()
                : java.util.List.of(table.getSimpleTable().getResourceOperation());
        for (ResourceOperation operation : operations) {
            if (operation.getType() != ResourceOperation.Type.RW_SEPARATE) {
                continue;
            }
            ResourceWriteOperation write = operation.getWriteOperation();
            Resource primary = write.getWriteResource() != null ? write.getWriteResource() : write.getWriteResources().get(0);
            ResourceReadOperation read = operation.getReadOperation();
            java.util.List<Resource> reads = read.getReadResource() != null ? java.util.List.of(read.getReadResource()) : read.getReadResources();
            for (Resource resource : reads) {
                if (!resource.getUrl().equals(primary.getUrl())) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Runs after every route change (the clients' own connections to the primary follow it). */
    void whenApplied(Runnable listener) {
        onApplied = listener;
    }

    /**
     * The primary: the backend every write goes to first (the only one, or the first of the
     * multi-write list), parsed into a {@code RedisResource} or {@code RedisClusterResource}.
     */
    Resource primary() {
        ResourceTable current = table;
        // a sticky read split shards the reads only: every shard writes to the same primary first
        ResourceOperation operation = current.getType() == ResourceTable.Type.SHADING
                ? current.getShadingTable().getResourceOperationMap().values().iterator().next()
                : current.getSimpleTable().getResourceOperation();
        Resource primary;
        if (operation.getType() == ResourceOperation.Type.SIMPLE) {
            primary = operation.getResource();
        } else {
            ResourceWriteOperation write = operation.getWriteOperation();
            primary = write.getWriteResource() != null ? write.getWriteResource() : write.getWriteResources().get(0);
        }
        return RedisResourceUtil.parseResourceByUrl(primary);
    }

    /** True when a backend of the route is a Redis Cluster (database 0 only). */
    boolean clusterBackend() {
        return json.contains("redis-cluster://");
    }

    String currentJson() {
        return json;
    }

    long version() {
        return version.get();
    }

    private static ResourceTable validate(String routeJson) {
        try {
            ResourceTable parsed = ReadableResourceTableUtil.parseTable(routeJson);
            RedisResourceUtil.checkResourceTable(parsed);
            return parsed;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("invalid route: " + RedisUrls.maskUrls(String.valueOf(e.getMessage())), e);
        }
    }
}
