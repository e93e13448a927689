package io.df2redis.api;

import io.df2redis.config.Secrets;
import io.quarkus.logging.Log;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Errors raised below the REST layer, answered as problem+json like every other error: a body larger
 * than {@code quarkus.http.limits.max-body-size} (Quarkus itself would end the exchange with an empty
 * 413) and any failure of a route that the REST exception mappers never see (an empty 500 otherwise).
 */
@ApplicationScoped
public class HttpProblems {

    private final long maxBodyBytes;

    public HttpProblems(@ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize maxBodySize) {
        this.maxBodyBytes = maxBodySize.asLongValue();
    }

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(this::refuseTooLarge);
        router.route().order(Integer.MIN_VALUE).failureHandler(this::failed);
    }

    /** Before Quarkus's own check of the declared length, which answers 413 with no body. */
    private void refuseTooLarge(RoutingContext ctx) {
        String length = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null && declaredLength(length) > maxBodyBytes) {
            ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
            send(ctx, Problem.response(413, "Content Too Large", "the request body is larger than the " + (maxBodyBytes / 1024)
                    + " KiB the API takes: send a small JSON body such as {\"dryRun\": false}, or none"));
            return;
        }
        ctx.next();
    }

    private static long declaredLength(String header) {
        try {
            return Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private void failed(RoutingContext ctx) {
        if (ctx.response().headWritten()) {
            ctx.next();
            return;
        }
        int status = ctx.statusCode() < 400 ? 500 : ctx.statusCode();
        Throwable failure = ctx.failure();
        if (status >= 500) {
            Log.errorf(failure, "request %s %s failed", ctx.request().method(), ctx.request().path());
        }
        Response.StatusType type = Response.Status.fromStatusCode(status);
        String title = type == null ? "Error" : type.getReasonPhrase();
        String detail = status >= 500
                ? "internal error: " + (failure == null ? "status " + status : failure.getClass().getSimpleName() + ": " + failure.getMessage())
                        + "; the service log has the details"
                : title + " for " + ctx.request().method() + " " + ctx.request().path();
        send(ctx, Problem.response(status, title, Secrets.mask(detail)));
    }

    private static void send(RoutingContext ctx, Response problem) {
        ctx.response().setStatusCode(problem.getStatus())
                .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                .end(String.valueOf(problem.getEntity()));
    }
}
