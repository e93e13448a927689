package io.df2redis.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.df2redis.config.Secrets;
import io.df2redis.migration.event.EventHub;
import io.df2redis.state.MigrationEvent;
import io.df2redis.state.StatusJson;
import io.df2redis.state.StatusStore;
import io.smallrye.mutiny.Multi;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;
import org.jboss.resteasy.reactive.RestStreamElementType;

/** The event stream: the current state first, then every event as it happens. */
@Path("/api/v1/events")
public class EventsResource {

    private final EventHub events;
    private final StatusStore store;

    public EventsResource(EventHub events, StatusStore store) {
        this.events = events;
        this.store = store;
    }

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<MigrationEvent> stream() {
        return events.stream(() -> events.stateEvent(Map.of("status", maskedStatus())));
    }

    private Map<String, Object> maskedStatus() {
        try {
            String json = Secrets.mask(StatusJson.MAPPER.writeValueAsString(store.snapshot()));
            return StatusJson.MAPPER.readValue(json, new TypeReference<Map<String, Object>>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("status not serialisable", e);
        }
    }
}
