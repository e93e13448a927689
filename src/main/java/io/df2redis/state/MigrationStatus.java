package io.df2redis.state;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code status.json} holds. Mutated only by {@link StatusStore#update}, under its lock.
 * Field names are the file's schema: change them only together with {@link #CURRENT_SCHEMA}.
 */
@RegisterForReflection
public class MigrationStatus {

    public static final int CURRENT_SCHEMA = 1;

    public int schema = CURRENT_SCHEMA;
    public String plan;
    public PipelineStatus status = PipelineStatus.IDLE;
    public String message;
    public Instant startedAt;
    public Instant finishedAt;
    public Instant updatedAt;
    public List<StageState> stages = new ArrayList<>();
    public Map<String, Double> metrics = new LinkedHashMap<>();
    /** The proxy as the supervisor last saw it: state, pid, endpoint, console, route, restarts. */
    public Map<String, Object> proxy = new LinkedHashMap<>();
    /**
     * Periods in which the proxy was down unexpectedly: a write it forwarded may lack its commit
     * record, so a full verify must run before any cutover step.
     */
    public List<Map<String, Object>> possibleLossWindows = new ArrayList<>();
    /** The journal drain: applied sequence, direction (which side is read), verified-through sequence, state. */
    public Map<String, Object> drain = new LinkedHashMap<>();
    /** The read cutover: batch, share, gate state and reason; {@code writesFlipped} once the target is primary. */
    public Map<String, Object> cutover = new LinkedHashMap<>();
    /** Lua scripts: undeclared keys allowed, runs counted and verified, bodies copied and loaded. */
    public ScriptState scripts = new ScriptState();
    /** The write cutover's attempts: pause per attempt, outcome, reason. */
    public Map<String, Object> fence = new LinkedHashMap<>();
    public List<MigrationEvent> recentEvents = new ArrayList<>();
    public long eventCount;

    public Optional<StageState> stage(String name) {
        return stages.stream().filter(s -> s.name.equals(name)).findFirst();
    }

    public StageState stageOrCreate(String name) {
        return stage(name).orElseGet(() -> {
            StageState created = new StageState();
            created.name = name;
            stages.add(created);
            return created;
        });
    }
}
