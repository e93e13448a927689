package io.df2redis.api;

import io.df2redis.proxy.ProxySupervisor;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;

/** The proxy applications talk to: retired here by the operator once applications use the new primary directly. */
@Path("/api/v1/proxy")
@Produces(MediaType.APPLICATION_JSON)
public class ProxyResource {

    private final ProxySupervisor supervisor;

    public ProxyResource(ProxySupervisor supervisor) {
        this.supervisor = supervisor;
    }

    /** Stops the proxy (SIGTERM, in-flight writes answered, then SIGKILL after proxy.stopGrace). */
    @POST
    @Path("/stop")
    public Uni<Map<String, Object>> stop() {
        return supervisor.retire();
    }
}
