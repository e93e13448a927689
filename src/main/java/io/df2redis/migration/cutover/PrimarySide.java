package io.df2redis.migration.cutover;

import io.df2redis.migration.journal.JournalDrain;
import io.df2redis.proxy.RouteKind;

/**
 * The side a fenced flip makes primary, and what follows from it: the route after the flip, the
 * drain's direction (it reads the primary), and whether the writes then count as flipped. The
 * migration flips to the {@link #TARGET}, a rollback after that flip back to the {@link #SOURCE}.
 */
public enum PrimarySide {
    /** The write cutover: the target primary, the source mirrored, reads on the target. */
    TARGET("target", "source", RouteKind.FLIPPED, JournalDrain.Direction.REVERSE, "write cutover"),
    /** The rollback's flip back: the source primary again, the target mirrored, reads on the source. */
    SOURCE("source", "target", RouteKind.DUAL_WRITE, JournalDrain.Direction.FORWARD, "rollback");

    private final String side;
    private final String other;
    private final RouteKind route;
    private final JournalDrain.Direction direction;
    private final String purpose;

    PrimarySide(String side, String other, RouteKind route, JournalDrain.Direction direction, String purpose) {
        this.side = side;
        this.other = other;
        this.route = route;
        this.direction = direction;
        this.purpose = purpose;
    }

    /** {@code source} or {@code target}, for messages. */
    public String side() {
        return side;
    }

    /** The side that was primary before the flip. */
    public String other() {
        return other;
    }

    /** The proxy's route once this side is primary. */
    public RouteKind route() {
        return route;
    }

    /** The drain's direction once this side is primary. */
    public JournalDrain.Direction direction() {
        return direction;
    }

    /** What the flip is called in {@code status.fence} and events. */
    public String purpose() {
        return purpose;
    }

    /** The value of {@code cutover.writesFlipped} once this side is primary. */
    public boolean writesFlipped() {
        return this == TARGET;
    }
}
