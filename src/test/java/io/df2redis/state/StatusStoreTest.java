package io.df2redis.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatusStoreTest {

    @TempDir
    Path dir;

    @Test
    void writesAndReadsBackTheStatus() throws Exception {
        Path file = dir.resolve("state/status.json");
        try (StatusStore store = StatusStore.open(file)) {
            store.update(s -> {
                s.plan = "migrate";
                s.status = PipelineStatus.RUNNING;
                StageState stage = s.stageOrCreate("baseline");
                stage.status = StageStatus.RUNNING;
                stage.checkpoint.put("cursor", "1234");
                stage.progress = Progress.of(10, 100L, "keys", 5.0);
            });
            store.durable().get(5, TimeUnit.SECONDS);
        }
        MigrationStatus read = StatusStore.read(file).orElseThrow();
        assertEquals(MigrationStatus.CURRENT_SCHEMA, read.schema);
        assertEquals(PipelineStatus.RUNNING, read.status);
        StageState stage = read.stage("baseline").orElseThrow();
        assertEquals("1234", stage.checkpoint.get("cursor"));
        assertEquals(18L, stage.progress.etaSeconds);
        assertTrue(Files.readString(file).contains("\"status\" : \"running\""));
    }

    @Test
    void aCorruptFileIsReportedAndLeftAlone() throws Exception {
        Path file = dir.resolve("status.json");
        Files.writeString(file, "{\"schema\": 1, \"stages\": [tru");
        StatusFileException e = assertThrows(StatusFileException.class, () -> StatusStore.open(file));
        assertTrue(e.getMessage().contains("not a valid df2redis status"), e.getMessage());
        assertTrue(e.getMessage().contains("was not reset"), e.getMessage());
        assertEquals("{\"schema\": 1, \"stages\": [tru", Files.readString(file));
    }

    @Test
    void aFileFromANewerVersionIsRefused() throws Exception {
        Path file = dir.resolve("status.json");
        Files.writeString(file, "{\"schema\": 99, \"status\": \"running\"}");
        StatusFileException e = assertThrows(StatusFileException.class, () -> StatusStore.read(file));
        assertTrue(e.getMessage().contains("schema 99"), e.getMessage());
    }

    @Test
    void aFileWithoutSchemaIsRefused() throws Exception {
        Path file = dir.resolve("status.json");
        Files.writeString(file, "[1, 2, 3]");
        assertThrows(StatusFileException.class, () -> StatusStore.read(file));
    }

    @Test
    void anotherReaderAlwaysSeesACompleteFile() throws Exception {
        Path file = dir.resolve("status.json");
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger reads = new AtomicInteger();
        try (StatusStore store = StatusStore.open(file)) {
            store.update(s -> s.plan = "migrate");
            store.durable().get(5, TimeUnit.SECONDS);
            Thread reader = new Thread(() -> {
                while (writing.get()) {
                    StatusStore.read(file).orElseThrow();
                    reads.incrementAndGet();
                }
            });
            reader.start();
            for (int i = 0; i < 2000; i++) {
                int n = i;
                store.update(s -> s.metrics.put("counter", (double) n));
                if (i % 100 == 0) {
                    store.durable().get(5, TimeUnit.SECONDS);
                }
            }
            store.durable().get(5, TimeUnit.SECONDS);
            writing.set(false);
            reader.join();
        }
        assertTrue(reads.get() > 0);
        assertEquals(1999.0, StatusStore.read(file).orElseThrow().metrics.get("counter"));
        assertFalse(Files.exists(dir.resolve("status.json.tmp")));
    }
}
