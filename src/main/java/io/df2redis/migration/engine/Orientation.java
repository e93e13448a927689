package io.df2redis.migration.engine;

import io.df2redis.config.MigrationConfig;
import io.df2redis.copy.TargetWriter;
import io.df2redis.copy.WriterSettings;
import io.df2redis.proxy.RouteKind;
import io.df2redis.resp.RedisEndpoints;
import io.df2redis.resp.RedisSide;

/**
 * Which way the migration faces: the authoritative side (the primary, which the drain reads and the
 * verifier trusts) and the other side (which the drain writes), with what follows from it: which of
 * them is a cluster and the proxy's route while the authoritative side is primary. Built once from
 * the persisted {@link Direction} and the target's type, and handed to the drain, the verifier, the
 * flip and the purge so that none of them works the direction out again. The source is never a cluster.
 */
public record Orientation(Direction direction, boolean targetIsCluster) {

    /** The persisted form ({@code status.drain.direction}): which side is authoritative. */
    public enum Direction {
        /** The source is authoritative: before the write cutover, and after a rollback's flip back. */
        FORWARD("source", "target", RouteKind.DUAL_WRITE),
        /** The target is authoritative: after the write cutover. */
        REVERSE("target", "source", RouteKind.FLIPPED);

        private final String authoritative;
        private final String other;
        private final RouteKind route;

        Direction(String authoritative, String other, RouteKind route) {
            this.authoritative = authoritative;
            this.other = other;
            this.route = route;
        }

        public String json() {
            return name().toLowerCase();
        }

        /** The direction in {@code status.drain.direction}; forward when none was persisted. */
        public static Direction persisted(Object json) {
            return REVERSE.json().equals(json) ? REVERSE : FORWARD;
        }

        /** {@code source} or {@code target}: the side read and trusted. */
        public String authoritative() {
            return authoritative;
        }

        /** {@code target} or {@code source}: the side written. */
        public String other() {
            return other;
        }

        /** The proxy's route while the authoritative side is primary. */
        public RouteKind route() {
            return route;
        }

        /** The value of {@code cutover.writesFlipped} while this direction holds. */
        public boolean writesFlipped() {
            return this == REVERSE;
        }
    }

    public static Orientation of(Direction direction, MigrationConfig config) {
        return new Orientation(direction, config.target().type() == MigrationConfig.TargetType.REDIS_CLUSTER);
    }

    public boolean sourceAuthoritative() {
        return direction == Direction.FORWARD;
    }

    public String authoritative() {
        return direction.authoritative();
    }

    public String other() {
        return direction.other();
    }

    public RouteKind route() {
        return direction.route();
    }

    public boolean writesFlipped() {
        return direction.writesFlipped();
    }

    /** Whether the authoritative side is a cluster (read slot by slot, addressed node by node). */
    public boolean authoritativeIsCluster() {
        return !sourceAuthoritative() && targetIsCluster;
    }

    /** Whether the other side is a cluster (written with slot routing). */
    public boolean otherIsCluster() {
        return sourceAuthoritative() && targetIsCluster;
    }

    /** {@code ofSource} or {@code ofTarget}, whichever belongs to the authoritative side. */
    public <T> T authoritative(T ofSource, T ofTarget) {
        return sourceAuthoritative() ? ofSource : ofTarget;
    }

    /** {@code ofSource} or {@code ofTarget}, whichever belongs to the other side. */
    public <T> T other(T ofSource, T ofTarget) {
        return sourceAuthoritative() ? ofTarget : ofSource;
    }

    /**
     * A writer that reads the authoritative side and writes the other, slot-routed where the other side
     * is a cluster.
     */
    public TargetWriter writer(RedisEndpoints redis, RedisSide source, RedisSide target, WriterSettings settings) {
        if (sourceAuthoritative()) {
            return new TargetWriter(source, target, redis::targetNode, settings);
        }
        // The source is never a cluster: writes to it need no slot routing.
        WriterSettings toSource = new WriterSettings(settings.pipeline(), settings.conflictPolicy(), settings.bigKeySlowpath(),
                settings.bigKeyBytes(), settings.chunkElements(), settings.chunkBytes(), false, settings.timeout());
        return new TargetWriter(target, source, address -> source, toSource);
    }
}
