package io.df2redis.copy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Appends failed keys to {@code <stateDir>/failures.jsonl}, one JSON object a line:
 * {@code {"key": ..., "db": ..., "reason": ...}} (plus {@code keyBase64} when the key is not UTF-8).
 */
public final class FailureLog implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    // Appends happen on this one thread: the callers are on the event loop, which must not do file
    // I/O, and a single writer keeps lines whole and in order.
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "df2redis-failure-log");
        thread.setDaemon(true);
        return thread;
    });

    public FailureLog(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    public Uni<Void> append(List<KeyFailure> failures) {
        if (failures.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Uni.createFrom().item(() -> {
                    write(failures);
                    return (Void) null;
                })
                .runSubscriptionOn(writer);
    }

    private void write(List<KeyFailure> failures) {
        try {
            Files.createDirectories(file.getParent());
            try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND)) {
                for (KeyFailure failure : failures) {
                    out.write(JSON.writeValueAsString(line(failure)));
                    out.write('\n');
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file + ": " + e.getMessage()
                    + " (check the state directory)", e);
        }
    }

    private static Map<String, Object> line(KeyFailure failure) {
        Map<String, Object> line = new LinkedHashMap<>();
        try {
            line.put("key", StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(failure.key())).toString());
        } catch (CharacterCodingException e) {
            line.put("key", new String(failure.key(), StandardCharsets.UTF_8));
            line.put("keyBase64", Base64.getEncoder().encodeToString(failure.key()));
        }
        line.put("db", failure.db());
        line.put("reason", failure.reason());
        return line;
    }

    @Override
    public void close() {
        writer.shutdown();
    }
}
