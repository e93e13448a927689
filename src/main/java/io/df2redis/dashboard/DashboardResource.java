package io.df2redis.dashboard;

import io.df2redis.api.Problem;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The dashboard's static files: {@code /} is {@code index.html}, {@code /dashboard/<name>} the
 * other files, all from the classpath folder {@code df2redis/assets/dashboard/} (the repository's
 * {@code assets/dashboard/}). The files hold no data, so they are served without the control
 * token; the page asks for it and sends it with every {@code /api} call.
 *
 * <p>Only a plain file name is served ({@link #FILE_NAME}: no slash, no dot segment, a known
 * extension), so no request can reach any other resource. Files are read once and kept: the
 * first read of each runs on a worker thread (this method is blocking, as Quarkus REST runs
 * non-reactive methods), later ones are served from memory.
 */
@Path("/")
public class DashboardResource {

    /** The names a request may ask for: a plain file name with one of {@link #TYPES}' extensions. */
    public static final Pattern FILE_NAME = Pattern.compile("[a-z0-9][a-z0-9-]*\\.(html|css|js|svg)");

    static final String FOLDER = "df2redis/assets/dashboard/";

    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "svg", "image/svg+xml");

    /** Everything from this origin, nothing inline, no framing: rendered event text cannot run. */
    private static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /** Only files that exist are kept, so the cache is bounded by the folder, not by requests. */
    private final Map<String, byte[]> cache = new ConcurrentHashMap<>();

    @GET
    public Response index() {
        return file("index.html");
    }

    @GET
    @Path("dashboard/{name}")
    public Response file(@PathParam("name") String name) {
        if (!FILE_NAME.matcher(name).matches()) {
            return notFound();
        }
        byte[] body = cache.get(name);
        if (body == null) {
            Optional<byte[]> read = read(name);
            if (read.isEmpty()) {
                return notFound();
            }
            body = read.get();
            cache.put(name, body);
        }
        String extension = name.substring(name.lastIndexOf('.') + 1);
        return Response.ok(body, TYPES.get(extension))
                .header("Cache-Control", "no-cache")
                .header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "no-referrer")
                .header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                .build();
    }

    private static Optional<byte[]> read(String name) {
        try (InputStream in = DashboardResource.class.getClassLoader().getResourceAsStream(FOLDER + name)) {
            return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the dashboard file " + name, e);
        }
    }

    private static Response notFound() {
        return Problem.response(Response.Status.NOT_FOUND, "no such dashboard file: the dashboard is at /");
    }
}
