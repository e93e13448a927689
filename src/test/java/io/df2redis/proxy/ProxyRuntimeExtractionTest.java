package io.df2redis.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bundled proxy runtime is extracted once, verified, extracted again when damaged, and old versions pruned. */
class ProxyRuntimeExtractionTest {

    @TempDir
    Path root;

    @Test
    void extractsOnceAndReusesAVerifiedCopy() throws Exception {
        Path jar = ProxyRuntime.extract(root);
        assertTrue(Files.isRegularFile(jar));
        assertTrue(Files.isDirectory(jar.getParent().resolve("lib")));
        assertTrue(Files.list(jar.getParent().resolve("lib")).anyMatch(p -> p.getFileName().toString().startsWith("camellia-redis-proxy-1.1.1")));
        FileTime extracted = Files.getLastModifiedTime(jar);

        Path again = ProxyRuntime.extract(root);

        assertEquals(jar, again);
        assertEquals(extracted, Files.getLastModifiedTime(again), "a verified copy is not extracted again");
    }

    @Test
    void aCopyWithAnotherChecksumIsReplaced() throws Exception {
        Path jar = ProxyRuntime.extract(root);
        Files.writeString(jar.getParent().resolve(".sha256"), "0000");
        Files.writeString(jar, "damaged");

        Path fresh = ProxyRuntime.extract(root);

        assertEquals(jar, fresh);
        assertTrue(Files.size(fresh) > 1000, "the damaged jar was replaced");
    }

    @Test
    void keepsOnlyTheLastFewVersions() throws Exception {
        for (int i = 0; i < 5; i++) {
            Path old = Files.createDirectories(root.resolve("old-version-" + i));
            Files.setLastModifiedTime(old, FileTime.fromMillis(1_000_000L * (i + 1)));
        }
        Path jar = ProxyRuntime.extract(root);
        try (Stream<Path> versions = Files.list(root)) {
            assertEquals(ProxyRuntime.VERSIONS_KEPT, versions.filter(Files::isDirectory).count());
        }
        assertTrue(Files.exists(jar));
        assertTrue(Files.exists(root.resolve("old-version-4")), "the newest older version is kept");
        assertFalse(Files.exists(root.resolve("old-version-0")), "the oldest is pruned");
    }
}
