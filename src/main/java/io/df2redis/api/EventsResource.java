package io.df2redis.api;

import io.df2redis.migration.MigrationService;
import io.df2redis.state.EventHub;
import io.df2redis.state.MigrationEvent;
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
    private final MigrationService migration;

    public EventsResource(EventHub events, MigrationService migration) {
        this.events = events;
        this.migration = migration;
    }

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<MigrationEvent> stream() {
        return events.stream(() -> events.stateEvent(Map.of("status", migration.maskedStatus())));
    }
}
