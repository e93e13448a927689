package io.df2redis.state;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** One stage's entry in the status file. */
@RegisterForReflection
public class StageState {
    public String name;
    public StageStatus status = StageStatus.PENDING;
    public String message;
    public Instant startedAt;
    public Instant finishedAt;
    public int attempts;
    /** Times this stage was started again from its checkpoint after an interruption. */
    public int resumes;
    public Progress progress;
    /** Facts the stage found (precheck findings, inventory). */
    public Map<String, Object> findings = new LinkedHashMap<>();
    /** Where the stage continues after a restart; written before the progress it covers is reported. */
    public Map<String, Object> checkpoint = new LinkedHashMap<>();
}
