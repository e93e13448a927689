package io.df2redis.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.df2redis.dashboard.DashboardResource;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The table behind 405's {@code Allow} header names exactly the methods the resources declare, path by path. */
class AllowedMethodsTest {

    @Test
    void theTableMatchesTheResourcesAnnotations() {
        Map<String, TreeSet<String>> declared = new TreeMap<>();
        for (Class<?> resource : List.of(MigrationResource.class, EventsResource.class, ProxyResource.class, DashboardResource.class)) {
            String base = resource.getAnnotation(Path.class).value();
            for (Method method : resource.getDeclaredMethods()) {
                for (Annotation annotation : method.getAnnotations()) {
                    HttpMethod http = annotation.annotationType().getAnnotation(HttpMethod.class);
                    if (http == null) {
                        continue;
                    }
                    Path sub = method.getAnnotation(Path.class);
                    String path = (base + "/" + (sub == null ? "" : sub.value())).replaceAll("/+", "/").replace("{name}", "x");
                    if (path.length() > 1 && path.endsWith("/")) {
                        path = path.substring(0, path.length() - 1);
                    }
                    declared.computeIfAbsent(path, p -> new TreeSet<>()).add(http.value());
                }
            }
        }
        declared.forEach((path, methods) -> assertEquals(List.copyOf(methods), AllowedMethods.of(path).stream().sorted().toList(), path));
        assertEquals(List.of(), AllowedMethods.of("/api/v1/nothing-here"));
    }
}
