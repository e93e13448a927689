package io.df2redis.migration.cutover;

import io.df2redis.migration.engine.Stage;
import io.df2redis.migration.engine.StageContext;
import io.df2redis.migration.engine.StageResult;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The write cutover: the {@link PrimaryFlip} to the target, which becomes primary, the source its
 * mirror, and the target the read side. The rollback's {@code rollback-route} is the same flip the
 * other way.
 */
@ApplicationScoped
public class FenceStage implements Stage {

    private final PrimaryFlip flip;

    public FenceStage(PrimaryFlip flip) {
        this.flip = flip;
    }

    @Override
    public String name() {
        return "fence";
    }

    @Override
    public String description() {
        return "hold writes for a moment, drain and verify, flip the primary to the target";
    }

    @Override
    public Uni<StageResult> run(StageContext context) {
        return flip.run(context, PrimarySide.TARGET);
    }
}
