package io.df2redis.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.df2redis.migration.MigrationService;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Locale;

/**
 * Control of the migration: status, start (or dry run), pause, resume, abort. Each call goes to the
 * {@link MigrationService}; a call it accepts answers {@code 202} with the status, a refusal is a
 * problem (see {@link ProblemMappers}).
 */
@Path("/api/v1/migration")
@Produces(MediaType.APPLICATION_JSON)
public class MigrationResource {

    private final MigrationService migration;
    private final ObjectMapper json;

    public MigrationResource(MigrationService migration, ObjectMapper json) {
        this.migration = migration;
        this.json = json;
    }

    /** The status file's content, as of now. */
    @GET
    public Response status() {
        return Response.ok(migration.maskedStatusJson()).build();
    }

    /**
     * Starts or continues the migration ({@code 202}), or runs a dry run ({@code 200} with its report).
     * The body is optional, so it is read as text: a POST without body or content type is a plain start.
     */
    @POST
    public Uni<Response> start(String body, @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType) throws JsonProcessingException {
        if (body != null && !body.isBlank() && (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("application/json"))) {
            throw new WebApplicationException(Response.Status.UNSUPPORTED_MEDIA_TYPE);
        }
        StartRequest request = body == null || body.isBlank() ? null : json.readValue(body, StartRequest.class);
        if (request != null && request.isDryRun()) {
            return migration.dryRun()
                    .map(report -> Response.ok(report).build());
        }
        migration.start();
        return Uni.createFrom().item(accepted());
    }

    @POST
    @Path("/pause")
    public Response pause() {
        migration.pause();
        return accepted();
    }

    /** Resumes a paused plan, or starts a blocked one again from the stage that blocked. */
    @POST
    @Path("/resume")
    public Uni<Response> resume() {
        return migration.resume()
                .map(resumed -> accepted());
    }

    /** Lets a waiting cutover step go on: the next read batch (cutover.auto off) or the end of cleanup's observation. */
    @POST
    @Path("/cutover/advance")
    public Response advance() {
        migration.advanceCutover();
        return accepted();
    }

    /**
     * Starts the rollback plan: a running plan is aborted first (its checkpoint kept), then reads and
     * writes return to the side that was authoritative before the last flip. 409 when there is
     * nothing to roll back, with what to do instead.
     */
    @POST
    @Path("/rollback")
    public Uni<Response> rollback() {
        return migration.rollback()
                .map(started -> accepted());
    }

    @POST
    @Path("/abort")
    public Response abort() {
        migration.abort();
        return accepted();
    }

    private Response accepted() {
        return Response.accepted(migration.maskedStatusJson()).type(MediaType.APPLICATION_JSON).build();
    }
}
