package io.df2redis.proxy;

import io.df2redis.config.MigrationConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Finds the proxy runtime and the Java to run it. With {@code proxy.binary: auto} the runtime
 * shipped inside the service ({@code df2redis/proxy-runtime.zip}) is extracted once to
 * {@code ~/.df2redis/runtime/<sha256>/}, verified against its checksum, extracted again when it
 * changed, and only the last few versions are kept. Otherwise {@code proxy.binary} names the jar.
 */
public final class ProxyRuntime {

    static final String ZIP = "df2redis/proxy-runtime.zip";
    static final int VERSIONS_KEPT = 3;

    private ProxyRuntime() {
    }

    /** The runtime jar to run; blocking (file I/O): call it off the event loop. */
    public static Path jar(MigrationConfig config, Path home) {
        String binary = config.proxy().binary();
        if (!"auto".equalsIgnoreCase(binary)) {
            Path jar = Path.of(binary).toAbsolutePath();
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException("proxy.binary " + jar + " does not exist: build it or set proxy.binary: auto");
            }
            return jar;
        }
        return extract(home.resolve(".df2redis/runtime"));
    }

    /**
     * Checks, without extracting or starting anything, that the proxy can be run: the runtime is
     * there (bundled or at proxy.binary) and a java executable is found. Returns what will be used.
     */
    public static String check(MigrationConfig config) {
        String binary = config.proxy().binary();
        String runtime;
        if ("auto".equalsIgnoreCase(binary)) {
            if (ProxyRuntime.class.getClassLoader().getResource(ZIP) == null) {
                throw new IllegalStateException("the bundled proxy runtime is missing from this build: rebuild df2redis "
                        + "or set proxy.binary to a proxy jar");
            }
            runtime = "bundled runtime";
        } else {
            Path jar = Path.of(binary).toAbsolutePath();
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException("proxy.binary " + jar + " does not exist: build it or set proxy.binary: auto");
            }
            runtime = jar.toString();
        }
        String java = java(config);
        if (!"java".equals(java) && !Files.isExecutable(Path.of(java))) {
            throw new IllegalStateException("no Java for the proxy: set proxy.javaHome or JAVA_HOME");
        }
        return runtime + " with " + java;
    }

    static Path extract(Path root) {
        String expected = resourceText(ZIP + ".sha256").trim().split("\\s+")[0].toLowerCase();
        Path dir = root.resolve(expected.substring(0, 16));
        Path jar = dir.resolve("df2redis-proxy.jar");
        Path marker = dir.resolve(".sha256");
        try {
            if (Files.isRegularFile(jar) && Files.isRegularFile(marker)
                    && Files.readString(marker, StandardCharsets.US_ASCII).trim().equals(expected)) {
                return jar;
            }
            byte[] zip = resourceBytes(ZIP);
            String actual = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(zip));
            if (!actual.equals(expected)) {
                throw new IllegalStateException("the bundled proxy runtime is damaged (sha256 " + actual + ", expected "
                        + expected + "): rebuild df2redis");
            }
            Path staging = Files.createDirectories(root).resolve(dir.getFileName() + ".tmp-" + ProcessHandle.current().pid());
            unzip(zip, staging);
            Files.writeString(staging.resolve(".sha256"), expected, StandardCharsets.US_ASCII);
            deleteTree(dir);
            Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
            pruneOldVersions(root, dir);
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract the proxy runtime to " + dir + ": " + e.getMessage(), e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The java executable for the proxy: proxy.javaHome, else JAVA_HOME, else the one running the service. */
    public static String java(MigrationConfig config) {
        String home = config.proxy().javaHome().orElse(System.getenv("JAVA_HOME"));
        if (home != null && !home.isBlank() && Files.isExecutable(Path.of(home, "bin", "java"))) {
            return Path.of(home, "bin", "java").toString();
        }
        Path running = Path.of(System.getProperty("java.home"), "bin", "java");
        return Files.isExecutable(running) ? running.toString() : "java";
    }

    private static void unzip(byte[] zip, Path dir) throws IOException {
        Files.createDirectories(dir);
        try (ZipInputStream in = new ZipInputStream(new java.io.ByteArrayInputStream(zip))) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                Path target = dir.resolve(entry.getName()).normalize();
                if (!target.startsWith(dir)) {
                    throw new IOException("unsafe entry in the proxy runtime: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void pruneOldVersions(Path root, Path current) throws IOException {
        List<Path> versions;
        try (Stream<Path> entries = Files.list(root)) {
            versions = entries.filter(Files::isDirectory).filter(p -> !p.equals(current))
                    .sorted(Comparator.comparing(ProxyRuntime::modified).reversed()).toList();
        }
        for (int i = VERSIONS_KEPT - 1; i < versions.size(); i++) {
            deleteTree(versions.get(i));
        }
    }

    private static long modified(Path path) {
        try {
            return Files.getLastModifiedTime(path).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    private static byte[] resourceBytes(String name) throws IOException {
        try (InputStream in = ProxyRuntime.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the build: the proxy runtime was not packaged");
            }
            return in.readAllBytes();
        }
    }

    private static String resourceText(String name) {
        try {
            return new String(resourceBytes(name), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
