package io.df2redis.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** The sidecar manifest agrees with the service: probes, ports, mounts, secrets and a valid migration file. */
class KubernetesManifestTest {

    @TempDir
    Path dir;

    @Test
    @SuppressWarnings("unchecked")
    void theSidecarManifestMatchesTheServiceConfig() throws Exception {
        List<Map<String, Object>> documents = new ArrayList<>();
        for (Object document : new Yaml(new SafeConstructor(new LoaderOptions()))
                .loadAll(Files.readString(Path.of("deploy/kubernetes/df2redis-sidecar.yaml")))) {
            documents.add((Map<String, Object>) document);
        }
        Map<String, Object> configMap = kind(documents, "ConfigMap");
        String migrationYaml = (String) ((Map<String, Object>) configMap.get("data")).get("migrate.yaml");
        Path file = dir.resolve("migrate.yaml");
        Files.writeString(file, migrationYaml);
        MigrationConfig config = MigrationConfigLoader.load(file, Map.of("DF2REDIS_CONTROL_TOKEN", "t"));

        Map<String, Object> deployment = kind(documents, "Deployment");
        Map<String, Object> podSpec = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) deployment.get("spec"))
                .get("template")).get("spec");
        Map<String, Object> container = ((List<Map<String, Object>>) podSpec.get("containers")).stream()
                .filter(c -> "df2redis".equals(c.get("name"))).findFirst().orElseThrow();

        int httpPort = ((List<Map<String, Object>>) container.get("ports")).stream()
                .filter(p -> "http".equals(p.get("name"))).map(p -> (Integer) p.get("containerPort")).findFirst().orElseThrow();
        assertTrue(config.dashboard().addr().endsWith(":" + httpPort), "dashboard.addr serves the probed port");
        assertTrue(config.dashboard().addr().startsWith("0.0.0.0:"), "the kubelet reaches the pod IP, not loopback");
        assertEquals("/q/health/started", probePath(container, "startupProbe"));
        assertEquals("/q/health/live", probePath(container, "livenessProbe"));
        assertEquals("/q/health/ready", probePath(container, "readinessProbe"));

        Map<String, String> env = new java.util.HashMap<>();
        for (Map<String, Object> variable : (List<Map<String, Object>>) container.get("env")) {
            env.put((String) variable.get("name"), variable.containsKey("value") ? (String) variable.get("value") : "<secret>");
        }
        assertEquals("<secret>", env.get("DF2REDIS_SOURCE_PASSWORD"));
        assertEquals("<secret>", env.get("DF2REDIS_TARGET_PASSWORD"));
        assertEquals("<secret>", env.get("DF2REDIS_CONTROL_TOKEN"));

        List<Map<String, Object>> mounts = (List<Map<String, Object>>) container.get("volumeMounts");
        String configPath = env.get("DF2REDIS_CONFIG");
        assertTrue(mountedFrom(mounts, podSpec, configPath).containsKey("configMap"), "the migration file comes from the ConfigMap");
        assertTrue(mountedFrom(mounts, podSpec, config.stateDir() + "/status.json").containsKey("persistentVolumeClaim"),
                "the state dir is on the PVC so a restarted pod resumes");
        String appRedis = (String) ((List<Map<String, Object>>) ((List<Map<String, Object>>) podSpec.get("containers")).get(0).get("env"))
                .get(0).get("value");
        assertTrue(appRedis.endsWith(config.proxy().endpoint()), "the application talks to the proxy on localhost");
    }

    @SuppressWarnings("unchecked")
    private static String probePath(Map<String, Object> container, String probe) {
        return (String) ((Map<String, Object>) ((Map<String, Object>) container.get(probe)).get("httpGet")).get("path");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> mountedFrom(List<Map<String, Object>> mounts, Map<String, Object> podSpec, String path) {
        Map<String, Object> mount = mounts.stream().filter(m -> path.startsWith((String) m.get("mountPath") + "/"))
                .findFirst().orElseThrow(() -> new AssertionError("nothing mounted at " + path));
        return ((List<Map<String, Object>>) podSpec.get("volumes")).stream()
                .filter(v -> v.get("name").equals(mount.get("name"))).findFirst().orElseThrow();
    }

    private static Map<String, Object> kind(List<Map<String, Object>> documents, String kind) {
        return documents.stream().filter(d -> kind.equals(d.get("kind"))).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind));
    }
}
