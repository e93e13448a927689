package io.df2redis.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.df2redis.config.Secrets;
import io.df2redis.migration.DryRun;
import io.df2redis.migration.FinishedStateDir;
import io.df2redis.migration.MigrationRuntime;
import io.df2redis.migration.engine.PipelineEngine;
import io.df2redis.migration.rollback.RollbackService;
import io.df2redis.state.StatusJson;
import io.df2redis.state.StatusStore;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.Path;
import io.df2redis.migration.cutover.CutoverControl;
import io.df2redis.migration.engine.PipelineBusyException;
import io.df2redis.state.PipelineStatus;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** Control of the migration: status, start (or dry run), pause, resume, abort. */
@Path("/api/v1/migration")
@Produces(MediaType.APPLICATION_JSON)
public class MigrationResource {

    private static final java.time.Duration ABORT_WAIT = java.time.Duration.ofSeconds(10);

    private final CutoverControl control;
    private final RollbackService rollback;
    private final FinishedStateDir finished;

    private final PipelineEngine engine;
    private final StatusStore store;
    private final DryRun dryRun;
    private final ObjectMapper json;

    public MigrationResource(PipelineEngine engine, StatusStore store, DryRun dryRun, ObjectMapper json, CutoverControl control,
            RollbackService rollback, FinishedStateDir finished) {
        this.control = control;
        this.rollback = rollback;
        this.finished = finished;
        this.engine = engine;
        this.store = store;
        this.dryRun = dryRun;
        this.json = json;
    }

    /** The status file's content, as of now. */
    @GET
    public Response status() {
        return Response.ok(statusJson()).build();
    }

    /**
     * Starts or continues the migration ({@code 202}), or runs a dry run ({@code 200} with its report).
     * The body is optional, so it is read as text: a POST without body or content type is a plain start.
     */
    @POST
    public Uni<Response> start(String body, @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType) throws JsonProcessingException {
        if (body != null && !body.isBlank() && (contentType == null || !contentType.toLowerCase(java.util.Locale.ROOT).startsWith("application/json"))) {
            throw new WebApplicationException(Response.Status.UNSUPPORTED_MEDIA_TYPE);
        }
        StartRequest request = body == null || body.isBlank() ? null : json.readValue(body, StartRequest.class);
        if (request != null && request.isDryRun()) {
            return dryRun.check()
                    .map(report -> Response.ok(report).build());
        }
        finished.refusal().ifPresent(reason -> {
            throw new PipelineBusyException(reason);
        });
        // An unfinished rollback runs first: a migration must not start over a half-returned route.
        engine.start(rollback.planToRun(MigrationRuntime.MIGRATE));
        return Uni.createFrom().item(accepted());
    }

    @POST
    @Path("/pause")
    public Response pause() {
        engine.pause();
        return accepted();
    }

    /** Resumes a paused plan, or starts a blocked one again from the stage that blocked. */
    @POST
    @Path("/resume")
    public Uni<Response> resume() {
        if (!store.read(s -> s.status == PipelineStatus.BLOCKED)) {
            engine.resume();
            return Uni.createFrom().item(accepted());
        }
        // The blocked status is written a moment before the run completes: wait for that moment.
        return Uni.createFrom().completionStage(engine.completion())
                .ifNoItem().after(ABORT_WAIT).failWith(() -> new PipelineBusyException("the blocked plan did not finish within "
                        + ABORT_WAIT.toSeconds() + " s: try the resume again"))
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .invoke(() -> engine.start(store.read(s -> s.plan)))
                .map(done -> accepted());
    }

    /** Lets a waiting cutover step go on: the next read batch (cutover.auto off) or the end of cleanup's observation. */
    @POST
    @Path("/cutover/advance")
    public Response advance() {
        String advanced = control.advance();
        if (advanced == null) {
            throw new PipelineBusyException("no cutover step is waiting for an advance (with migrate.cutover.auto: false "
                    + "a read batch waits; during cleanup.observeFor the cleanup waits)");
        }
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
        return rollback.start()
                .map(started -> accepted());
    }

    @POST
    @Path("/abort")
    public Response abort() {
        engine.abort();
        return accepted();
    }

    private Response accepted() {
        return Response.accepted(statusJson()).type(MediaType.APPLICATION_JSON).build();
    }

    private String statusJson() {
        try {
            return Secrets.mask(StatusJson.MAPPER.writeValueAsString(store.snapshot()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("status not serialisable", e);
        }
    }
}
