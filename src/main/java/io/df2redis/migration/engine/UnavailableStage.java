package io.df2redis.migration.engine;

import io.smallrye.mutiny.Uni;

/**
 * A stage of the migration model that this version does not have yet. It says so plainly in the
 * status and the events (skipped, "not available in this version") instead of pretending to work.
 */
public final class UnavailableStage implements Stage {

    public static final String PREFIX = "not available in this version";

    private final String name;
    private final String description;

    public UnavailableStage(String name, String description) {
        this.name = name;
        this.description = description;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public Uni<StageResult> run(StageContext context) {
        context.warn(name + " is " + PREFIX + " (it will " + description + "); nothing was done");
        return Uni.createFrom().item(StageResult.skipped(PREFIX + ": " + description));
    }
}
