package io.df2redis.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.df2redis.migration.engine.PipelineBusyException;
import io.df2redis.state.StatusFileException;
import io.quarkus.logging.Log;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Request;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every error of the API as problem+json that says what to change. */
public class ProblemMappers {

    @ServerExceptionMapper
    public Response busy(PipelineBusyException e) {
        return Problem.response(Response.Status.CONFLICT, e.getMessage());
    }

    @ServerExceptionMapper
    public Response unknownField(UnrecognizedPropertyException e) {
        return Problem.response(Response.Status.BAD_REQUEST, "unknown field '" + e.getPropertyName()
                + "': the body takes " + e.getKnownPropertyIds() + ", e.g. {\"dryRun\": false}");
    }

    @ServerExceptionMapper
    public Response wrongType(InvalidFormatException e) {
        String field = e.getPath().isEmpty() ? "body" : e.getPath().get(e.getPath().size() - 1).getFieldName();
        return Problem.response(Response.Status.BAD_REQUEST, "field '" + field + "' has the wrong type: write "
                + e.getTargetType().getSimpleName().toLowerCase() + ", e.g. {\"dryRun\": true}");
    }

    /** Ours, not Quarkus's built-in one for this type, which answers 400 with an empty body. */
    @ServerExceptionMapper
    public Response mismatched(com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
        return Problem.response(Response.Status.BAD_REQUEST, "the body is not the JSON this endpoint takes ("
                + e.getOriginalMessage() + "): send e.g. {\"dryRun\": false} or no body");
    }

    @ServerExceptionMapper
    public Response malformed(JsonProcessingException e) {
        return Problem.response(Response.Status.BAD_REQUEST, "the body is not valid JSON ("
                + e.getOriginalMessage() + "): send e.g. {\"dryRun\": false} or no body");
    }

    @ServerExceptionMapper
    public Response notFound(NotFoundException e) {
        return Problem.response(Response.Status.NOT_FOUND, "no such endpoint: see README (Endpoints) for "
                + "/api/v1/migration, /api/v1/events and /q/health");
    }

    /** Names the methods the path takes, in the detail and in the {@code Allow} header (RFC 9110). */
    @ServerExceptionMapper
    public Response notAllowed(NotAllowedException e, UriInfo uri, Request request) {
        String allowed = String.join(", ", AllowedMethods.of(uri.getPath()));
        Response problem = Problem.response(405, "Method Not Allowed", uri.getPath() + " does not take " + request.getMethod()
                + ": use " + (allowed.isEmpty() ? "another path (see README, Endpoints)" : allowed));
        return Response.fromResponse(problem).header(HttpHeaders.ALLOW, allowed).build();
    }

    @ServerExceptionMapper
    public Response statusFile(StatusFileException e) {
        return Problem.response(Response.Status.INTERNAL_SERVER_ERROR, e.getMessage());
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        Response.StatusType type = e.getResponse().getStatusInfo();
        String detail = e.getMessage();
        if (status == 415) {
            detail = "send the body as application/json";
        } else if (status == 400) {
            Throwable cause = e.getCause();
            detail = cause instanceof JsonProcessingException json
                    ? "the body is not valid JSON (" + json.getOriginalMessage() + "): send e.g. {\"dryRun\": false} or no body"
                    : "the body could not be read: send JSON such as {\"dryRun\": false}, or no body";
        }
        return Problem.response(status, type.getReasonPhrase(), detail);
    }

    @ServerExceptionMapper
    public Response unexpected(IllegalArgumentException e) {
        return Problem.response(Response.Status.BAD_REQUEST, e.getMessage());
    }

    /** Anything else, errors included: a 500 whose detail says what failed, never an empty body. */
    @ServerExceptionMapper(priority = 10000)
    public Response any(Throwable e) {
        Log.errorf(e, "request failed");
        return Problem.response(Response.Status.INTERNAL_SERVER_ERROR, "internal error: " + e.getMessage());
    }
}
