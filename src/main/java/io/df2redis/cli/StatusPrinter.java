package io.df2redis.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.df2redis.config.Secrets;
import io.df2redis.state.MigrationEvent;
import io.df2redis.state.MigrationStatus;
import io.df2redis.state.StageState;
import io.df2redis.state.StatusJson;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** Human-readable and JSON forms of the status and of events, for the CLI. */
final class StatusPrinter {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

    private StatusPrinter() {
    }

    static String human(MigrationStatus status) {
        StringBuilder out = new StringBuilder();
        out.append("plan     ").append(status.plan == null ? "(none yet)" : status.plan).append('\n');
        out.append("status   ").append(status.status.json());
        if (status.message != null) {
            out.append(": ").append(status.message);
        }
        out.append('\n');
        if (status.startedAt != null) {
            out.append("started  ").append(status.startedAt).append('\n');
        }
        if (status.finishedAt != null) {
            out.append("finished ").append(status.finishedAt).append('\n');
        }
        out.append("stages\n");
        for (StageState stage : status.stages) {
            out.append(String.format("  %-12s %-10s", stage.name, stage.status.json()));
            if (stage.progress != null) {
                out.append(String.format(" %d%s %s", stage.progress.done,
                        stage.progress.total == null ? "" : "/" + stage.progress.total, stage.progress.unit));
            }
            if (stage.resumes > 0) {
                out.append(" (resumed ").append(stage.resumes).append("x)");
            }
            if (stage.message != null) {
                out.append("  ").append(stage.message);
            }
            out.append('\n');
        }
        out.append("events   ").append(status.eventCount).append(" in total\n");
        return Secrets.mask(out.toString());
    }

    static String json(Object value) {
        try {
            return Secrets.mask(StatusJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String line(MigrationEvent event, boolean asJson) {
        if (asJson) {
            try {
                return StatusJson.MAPPER.writeValueAsString(event);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        return TIME.format(event.ts()) + " " + (event.stage() == null ? "" : "[" + event.stage() + "] ")
                + event.type() + ": " + event.message();
    }
}
