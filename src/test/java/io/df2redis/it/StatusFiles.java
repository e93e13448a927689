package io.df2redis.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.df2redis.state.StatusJson;
import java.nio.file.Path;

/** Reads the status file the way an operator's script would. */
final class StatusFiles {

    private StatusFiles() {
    }

    static JsonNode read(Path statusFile) throws java.io.IOException {
        return StatusJson.MAPPER.readTree(statusFile.toFile());
    }

    static JsonNode stage(JsonNode status, String name) {
        for (JsonNode stage : status.path("stages")) {
            if (stage.path("name").asText().equals(name)) {
                return stage;
            }
        }
        throw new AssertionError("no stage " + name + " in " + status);
    }

    /** Keys counted in the baseline's last checkpoint; 0 while there is none (or the file is not there yet). */
    static long importCheckpointCopied(Path statusFile) {
        try {
            return stage(read(statusFile), "import").path("checkpoint").path("copied").asLong();
        } catch (Exception | AssertionError e) {
            return 0;
        }
    }
}
