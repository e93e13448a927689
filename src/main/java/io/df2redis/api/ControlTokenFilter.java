package io.df2redis.api;

import io.df2redis.config.MigrationConfig;
import io.df2redis.dashboard.DashboardResource;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Every {@code /api} call, and every other REST path, needs {@code Authorization: Bearer <control.token>}.
 * Open are only the dashboard's static files ({@code /} and {@code /dashboard/<file name>}, which
 * hold no data), and health and metrics ({@code /q/...}, not REST resources, so this filter never
 * sees them) for probes and scrapers. The open paths are an exact list rather than "all but /api",
 * so that no spelling of a path ({@code /dashboard/../api}, {@code //api}, {@code /%61pi}) reaches
 * the API without the token. Runs before routing, so an unauthenticated caller learns nothing
 * about which routes exist.
 */
public class ControlTokenFilter {

    private static final String BEARER = "Bearer ";
    private static final Pattern OPEN = Pattern.compile("/|/dashboard/" + DashboardResource.FILE_NAME.pattern());

    private final Optional<byte[]> token;

    public ControlTokenFilter(MigrationConfig config) {
        this.token = config.control().token().filter(t -> !t.isBlank()).map(t -> t.getBytes(StandardCharsets.UTF_8));
    }

    @ServerRequestFilter(preMatching = true)
    public Optional<Response> authenticate(ContainerRequestContext request) {
        if (OPEN.matcher(request.getUriInfo().getPath()).matches()) {
            return Optional.empty();
        }
        if (token.isEmpty()) {
            return Optional.of(Problem.response(Response.Status.FORBIDDEN, "the control API is disabled because no "
                    + "token is configured: set control.token in the migration file or DF2REDIS_CONTROL_TOKEN"));
        }
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        // RFC 7235: the scheme is case-insensitive ("bearer" is as good as "Bearer").
        if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return Optional.of(unauthorized("send Authorization: Bearer <control.token>"));
        }
        byte[] presented = header.substring(BEARER.length()).trim().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(presented, token.get())) {
            return Optional.of(unauthorized("the bearer token does not match control.token"));
        }
        return Optional.empty();
    }

    private static Response unauthorized(String detail) {
        Response problem = Problem.response(Response.Status.UNAUTHORIZED, detail);
        return Response.fromResponse(problem).header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"df2redis\"").build();
    }
}
