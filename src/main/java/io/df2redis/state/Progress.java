package io.df2redis.state;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** How far a stage has come: done of total units, rate per second and the time left at that rate. */
@RegisterForReflection
public class Progress {
    public long done;
    public Long total;
    public String unit;
    public double rate;
    public Long etaSeconds;

    public static Progress of(long done, Long total, String unit, double rate) {
        Progress progress = new Progress();
        progress.done = done;
        progress.total = total;
        progress.unit = unit;
        progress.rate = Math.round(rate * 10) / 10.0;
        if (total != null && rate > 0 && total >= done) {
            progress.etaSeconds = (long) Math.ceil((total - done) / rate);
        }
        return progress;
    }
}
