package io.df2redis.proxy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.df2redis.state.StatusJson;
import java.util.Map;

/** JSON objects from the proxy console as plain maps for the status file. */
final class StatusJsonMaps {

    private StatusJsonMaps() {
    }

    static Map<String, Object> toMap(JsonNode node) {
        return StatusJson.MAPPER.convertValue(node, new TypeReference<Map<String, Object>>() { });
    }
}
