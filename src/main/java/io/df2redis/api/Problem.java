package io.df2redis.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.df2redis.config.Secrets;
import io.df2redis.state.StatusJson;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.ws.rs.core.Response;

/**
 * An error as {@code application/problem+json} (RFC 9457): {@code detail} says what to change.
 */
@RegisterForReflection
public record Problem(String type, String title, int status, String detail) {

    public static final String MEDIA_TYPE = "application/problem+json";

    public static Response response(Response.Status status, String detail) {
        return response(status.getStatusCode(), status.getReasonPhrase(), detail);
    }

    public static Response response(int status, String title, String detail) {
        Problem problem = new Problem("about:blank", title, status, Secrets.mask(detail));
        String body;
        try {
            body = StatusJson.MAPPER.writeValueAsString(problem);
        } catch (JsonProcessingException e) {
            body = "{\"status\":" + status + "}";
        }
        return Response.status(status).type(MEDIA_TYPE).entity(body).build();
    }
}
