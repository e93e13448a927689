package io.df2redis.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDir;

/**
 * When a test of the packaged service fails, prints the end of every service log and the status file
 * under the test's work directory (its {@code @TempDir Path} field), so that a failure on a build machine can be understood from its output.
 */
final class ServiceLogOnFailure implements AfterTestExecutionCallback {

    private static final int TAIL_LINES = 150;

    @Override
    public void afterTestExecution(ExtensionContext context) {
        if (context.getExecutionException().isEmpty()) {
            return;
        }
        // Runs before the work directory (a @TempDir) is deleted.
        context.getTestInstance().flatMap(ServiceLogOnFailure::workDirectory).ifPresent(ServiceLogOnFailure::print);
    }

    /** The test's {@code @TempDir Path} field: the work directory of the service it starts. */
    private static Optional<Path> workDirectory(Object test) {
        for (Field field : test.getClass().getDeclaredFields()) {
            if (field.isAnnotationPresent(TempDir.class) && field.getType() == Path.class) {
                try {
                    field.setAccessible(true);
                    return Optional.ofNullable((Path) field.get(test));
                } catch (ReflectiveOperationException | RuntimeException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    private static void print(Path home) {
        try (Stream<Path> files = Files.walk(home, 3)) {
            files.filter(f -> f.getFileName().toString().matches("run-.*\\.(err|out)|status\\.json"))
                    .sorted()
                    .forEach(ServiceLogOnFailure::printTail);
        } catch (IOException | UncheckedIOException e) {
            System.out.println("(no service logs under " + home + ": " + e.getMessage() + ")");
        }
    }

    private static void printTail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file);
            System.out.println("---- " + file.getFileName() + " (last " + Math.min(TAIL_LINES, lines.size()) + " of " + lines.size() + " lines)");
            lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()).forEach(System.out::println);
        } catch (IOException e) {
            System.out.println("(" + file + " unreadable: " + e.getMessage() + ")");
        }
    }
}
