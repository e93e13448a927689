package io.df2redis.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The packaged service as a child process, its output captured to files. */
final class Df2redisProcess implements AutoCloseable {

    private final Process process;
    private final Path stdout;
    private final Path stderr;

    private Df2redisProcess(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    static Path jar() {
        String jar = System.getProperty("df2redis.jar", "target/quarkus-app/quarkus-run.jar");
        Path path = Path.of(jar);
        if (!Files.exists(path)) {
            throw new IllegalStateException("the packaged service is missing at " + path + ": run ./mvnw verify");
        }
        return path;
    }

    static Df2redisProcess start(Path workDir, Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx256m", "-jar", jar().toAbsolutePath().toString()));
        command.addAll(List.of(args));
        return startCommand(workDir, env, command);
    }

    static Df2redisProcess startCommand(Path workDir, Map<String, String> env, List<String> command) throws IOException {
        Files.createDirectories(workDir);
        String name = "run-" + System.nanoTime();
        Path out = workDir.resolve(name + ".out");
        Path err = workDir.resolve(name + ".err");
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("DF2REDIS_"));
        builder.environment().putAll(env);
        return new Df2redisProcess(builder.start(), out, err);
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Waits for the exit and returns the exit code; fails the test if it takes longer than the limit. */
    int await(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("df2redis did not exit within " + seconds + " s; stdout:\n" + stdout() + "\nstderr:\n" + stderr());
        }
        return process.exitValue();
    }

    Process process() {
        return process;
    }

    String stdout() {
        return read(stdout);
    }

    String stderr() {
        return read(stderr);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    /** Result of a command run to its end. */
    record Run(int exit, String stdout, String stderr) {
        String all() {
            return stdout + "\n" + stderr;
        }
    }

    static Run run(Path workDir, Map<String, String> env, String... args) throws IOException, InterruptedException {
        try (Df2redisProcess process = start(workDir, env, args)) {
            int exit = process.await(120);
            return new Run(exit, process.stdout(), process.stderr());
        }
    }
}
