package io.df2redis.migration.cutover;

import io.df2redis.migration.engine.Orientation;
import io.df2redis.proxy.RouteKind;

/**
 * The side a fenced flip makes primary, and what follows from it through the {@link Orientation.Direction}
 * it leaves: the route after the flip, the drain's direction (it reads the primary), and whether the writes
 * then count as flipped. The migration flips to the {@link #TARGET}, a rollback after that flip back to the
 * {@link #SOURCE}.
 */
public enum PrimarySide {
    /** The write cutover: the target primary, the source mirrored, reads on the target. */
    TARGET(Orientation.Direction.REVERSE, "write cutover"),
    /** The rollback's flip back: the source primary again, the target mirrored, reads on the source. */
    SOURCE(Orientation.Direction.FORWARD, "rollback");

    private final Orientation.Direction direction;
    private final String purpose;

    PrimarySide(Orientation.Direction direction, String purpose) {
        this.direction = direction;
        this.purpose = purpose;
    }

    /** {@code source} or {@code target}, for messages. */
    public String side() {
        return direction.authoritative();
    }

    /** The side that was primary before the flip. */
    public String other() {
        return direction.other();
    }

    /** The proxy's route once this side is primary. */
    public RouteKind route() {
        return direction.route();
    }

    /** The drain's direction once this side is primary. */
    public Orientation.Direction direction() {
        return direction;
    }

    /** What the flip is called in {@code status.fence} and events. */
    public String purpose() {
        return purpose;
    }

    /** The value of {@code cutover.writesFlipped} once this side is primary. */
    public boolean writesFlipped() {
        return direction.writesFlipped();
    }
}
