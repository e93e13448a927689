package io.df2redis.contract.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;

/** How the plugin writes the console's answers (the service reads them with its own mapper). */
public final class ConsoleJson {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ConsoleJson() {
    }

    public static String write(Object answer) {
        try {
            return MAPPER.writeValueAsString(answer);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("cannot write a console answer " + answer.getClass().getSimpleName(), e);
        }
    }

    /** A JSON document the plugin already holds as text (Camellia's route), as a tree to embed in an answer. */
    public static com.fasterxml.jackson.databind.JsonNode tree(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("not JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** A text as a JSON string node. */
    public static com.fasterxml.jackson.databind.JsonNode text(String value) {
        return MAPPER.getNodeFactory().textNode(value);
    }
}
