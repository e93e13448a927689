package io.df2redis.migration.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;

import io.df2redis.state.EventHub;
import io.df2redis.state.MigrationEvent;
import io.df2redis.state.MigrationStatus;
import io.df2redis.state.PipelineStatus;
import io.df2redis.state.StageStatus;
import io.df2redis.state.StatusStore;
import io.smallrye.mutiny.Uni;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine's control semantics, with fixture stages whose behaviour each test chooses. */
class PipelineEngineTest {

    private static final EngineSettings FAST = new EngineSettings(Duration.ofSeconds(20), 2, Duration.ofMillis(10), true);

    @TempDir
    Path dir;

    private final List<StatusStore> stores = new ArrayList<>();
    private final List<MigrationEvent> events = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void closeStores() {
        stores.forEach(StatusStore::close);
    }

    @Test
    void runsStagesInOrderAndSucceeds() throws Exception {
        List<String> ran = Collections.synchronizedList(new ArrayList<>());
        PipelineEngine engine = engine(FAST, plan("a", "b", "c"),
                new Fixture("a", ctx -> record(ran, "a")), new Fixture("b", ctx -> record(ran, "b")),
                new Fixture("c", ctx -> record(ran, "c")));

        PipelineOutcome outcome = engine.start("p").get(10, TimeUnit.SECONDS);

        assertEquals(PipelineStatus.SUCCEEDED, outcome.status());
        assertEquals(List.of("a", "b", "c"), ran);
        assertEquals(List.of("pipeline.started", "stage.started", "stage.succeeded", "stage.started", "stage.succeeded",
                "stage.started", "stage.succeeded", "pipeline.succeeded"), types());
        assertEquals(PipelineStatus.SUCCEEDED, status().status);
    }

    @Test
    void refusesASecondStartWhileRunning() {
        CompletableFuture<StageResult> gate = new CompletableFuture<>();
        PipelineEngine engine = engine(FAST, plan("slow"), new Fixture("slow", ctx -> Uni.createFrom().completionStage(gate)));
        engine.start("p");
        assertThrows(PipelineBusyException.class, () -> engine.start("p"));
        gate.complete(StageResult.succeeded("done"));
        await().atMost(Duration.ofSeconds(5)).until(() -> !engine.active());
    }

    @Test
    void pausesBeforeTheNextStageAndResumes() throws Exception {
        CompletableFuture<StageResult> gate = new CompletableFuture<>();
        AtomicBoolean secondRan = new AtomicBoolean();
        PipelineEngine engine = engine(FAST, plan("first", "second"),
                new Fixture("first", ctx -> Uni.createFrom().completionStage(gate)),
                new Fixture("second", ctx -> {
                    secondRan.set(true);
                    return Uni.createFrom().item(StageResult.succeeded("ok"));
                }));
        CompletableFuture<PipelineOutcome> outcome = engine.start("p");
        await().until(() -> stageStatus("first") == StageStatus.RUNNING);

        engine.pause();
        assertEquals(PipelineStatus.PAUSING, status().status);
        gate.complete(StageResult.succeeded("first done"));

        await().atMost(Duration.ofSeconds(5)).until(() -> status().status == PipelineStatus.PAUSED);
        assertEquals(StageStatus.SUCCEEDED, stageStatus("first"));
        assertEquals(StageStatus.PENDING, stageStatus("second"));
        assertTrue(!secondRan.get());

        engine.resume();
        assertEquals(PipelineStatus.SUCCEEDED, outcome.get(5, TimeUnit.SECONDS).status());
        assertTrue(secondRan.get());
        assertTrue(types().containsAll(List.of("pipeline.pausing", "pipeline.paused", "pipeline.resumed")));
    }

    @Test
    void abortCancelsTheRunningStageAndKeepsItsCheckpoint() throws Exception {
        AtomicBoolean cancelled = new AtomicBoolean();
        PipelineEngine engine = engine(FAST, plan("long", "after"),
                new Fixture("long", ctx -> ctx.saveCheckpoint(Map.of("cursor", "42"))
                        .chain(() -> Uni.createFrom().<StageResult>nothing())
                        .onCancellation().invoke(() -> cancelled.set(true))),
                new Fixture("after", ctx -> Uni.createFrom().item(StageResult.succeeded("should not run"))));
        CompletableFuture<PipelineOutcome> outcome = engine.start("p");
        await().until(() -> "42".equals(checkpoint("long").get("cursor")));

        engine.abort();

        assertEquals(PipelineStatus.ABORTED, outcome.get(5, TimeUnit.SECONDS).status());
        await().atMost(Duration.ofSeconds(5)).untilTrue(cancelled);
        assertEquals(StageStatus.FAILED, stageStatus("long"));
        assertEquals(StageStatus.PENDING, stageStatus("after"));
        assertEquals("42", checkpoint("long").get("cursor"));
        assertEquals(PipelineStatus.ABORTED, status().status);
    }

    @Test
    void aStageThatRunsTooLongTimesOut() throws Exception {
        EngineSettings shortTimeout = new EngineSettings(Duration.ofMillis(300), 2, Duration.ofMillis(10), true);
        PipelineEngine engine = engine(shortTimeout, plan("stuck"), new Fixture("stuck", ctx -> Uni.createFrom().nothing()));

        PipelineOutcome outcome = engine.start("p").get(10, TimeUnit.SECONDS);

        assertEquals(PipelineStatus.FAILED, outcome.status());
        assertTrue(outcome.message().contains("timed out"), outcome.message());
        assertEquals(1, status().stage("stuck").orElseThrow().attempts, "a timeout is not retried");
    }

    @Test
    void retriesARetryableFailureWithBackoffThenSucceeds() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        PipelineEngine engine = engine(FAST, plan("flaky"), new Fixture("flaky", ctx -> attempts.incrementAndGet() < 3
                ? Uni.createFrom().failure(new RetryableStageException("server restarting"))
                : Uni.createFrom().item(StageResult.succeeded("third time"))));

        PipelineOutcome outcome = engine.start("p").get(10, TimeUnit.SECONDS);

        assertEquals(PipelineStatus.SUCCEEDED, outcome.status());
        assertEquals(3, attempts.get());
        assertEquals(3, status().stage("flaky").orElseThrow().attempts);
        assertEquals(2, types().stream().filter("stage.retry"::equals).count());
    }

    @Test
    void givesUpAfterTheConfiguredRetries() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        PipelineEngine engine = engine(FAST, plan("down"), new Fixture("down", ctx -> {
            attempts.incrementAndGet();
            return Uni.createFrom().failure(new RetryableStageException("still down"));
        }));

        PipelineOutcome outcome = engine.start("p").get(10, TimeUnit.SECONDS);

        assertEquals(PipelineStatus.FAILED, outcome.status());
        assertEquals(3, attempts.get(), "one attempt plus engine.stageRetries (2)");
        assertTrue(outcome.message().contains("still down"));
    }

    @Test
    void doesNotRetryAFailureThatARetryWouldNotFix() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        PipelineEngine engine = engine(FAST, plan("bad"), new Fixture("bad", ctx -> {
            attempts.incrementAndGet();
            return Uni.createFrom().failure(new IllegalStateException("wrong password"));
        }));
        assertEquals(PipelineStatus.FAILED, engine.start("p").get(10, TimeUnit.SECONDS).status());
        assertEquals(1, attempts.get());
    }

    @Test
    void aBlockedStageStopsThePlanAsBlocked() throws Exception {
        PipelineEngine engine = engine(FAST, plan("gate", "later"),
                new Fixture("gate", ctx -> Uni.createFrom().item(StageResult.blocked("mismatches over the limit"))),
                new Fixture("later", ctx -> Uni.createFrom().item(StageResult.succeeded("no"))));
        PipelineOutcome outcome = engine.start("p").get(10, TimeUnit.SECONDS);
        assertEquals(PipelineStatus.BLOCKED, outcome.status());
        assertEquals(1, outcome.exitCode());
        assertEquals(StageStatus.PENDING, stageStatus("later"));
    }

    @Test
    void resumesAfterARestartFromTheCheckpointWithoutRerunningSucceededStages() throws Exception {
        AtomicInteger firstRuns = new AtomicInteger();
        List<Object> resumedFrom = Collections.synchronizedList(new ArrayList<>());
        Fixture first = new Fixture("first", ctx -> {
            firstRuns.incrementAndGet();
            return Uni.createFrom().item(StageResult.succeeded("ok"));
        });
        Fixture dies = new Fixture("copy", ctx -> ctx.saveCheckpoint(Map.of("cursor", "777"))
                .chain(() -> Uni.createFrom().nothing()));
        PipelineEngine crashed = engine(FAST, plan("first", "copy"), first, dies);
        crashed.start("p");
        await().until(() -> "777".equals(checkpoint("copy").get("cursor")));
        // The process "dies": its store stops writing and nothing marks the run as finished.
        assertEquals(PipelineStatus.RUNNING, StatusStore.read(dir.resolve("status.json")).orElseThrow().status);

        Fixture resumes = new Fixture("copy", ctx -> {
            resumedFrom.add(ctx.checkpoint().get("cursor"));
            resumedFrom.add(ctx.resumed());
            return Uni.createFrom().item(StageResult.succeeded("finished from checkpoint"));
        });
        PipelineEngine restarted = engine(FAST, plan("first", "copy"), first, resumes);
        assertTrue(restarted.interrupted());
        assertEquals(StageStatus.PENDING, stageStatus("copy"));

        PipelineOutcome outcome = restarted.start("p").get(10, TimeUnit.SECONDS);

        assertEquals(PipelineStatus.SUCCEEDED, outcome.status());
        assertEquals(1, firstRuns.get(), "a succeeded stage is not run again");
        assertEquals(List.of("777", true), resumedFrom);
        assertEquals(1, status().stage("copy").orElseThrow().resumes);
        assertTrue(types().contains("pipeline.interrupted"));
        assertTrue(types().contains("stage.resumed"));
    }

    @Test
    void withResumeOffAnInterruptedStageStartsOver() throws Exception {
        PipelineEngine crashed = engine(FAST, plan("copy"), new Fixture("copy", ctx -> ctx.saveCheckpoint(Map.of("cursor", "9"))
                .chain(() -> Uni.createFrom().nothing())));
        crashed.start("p");
        await().until(() -> "9".equals(checkpoint("copy").get("cursor")));

        List<Map<String, Object>> seen = Collections.synchronizedList(new ArrayList<>());
        EngineSettings noResume = new EngineSettings(Duration.ofSeconds(20), 0, Duration.ofMillis(10), false);
        PipelineEngine restarted = engine(noResume, plan("copy"), new Fixture("copy", ctx -> {
            seen.add(ctx.checkpoint());
            return Uni.createFrom().item(StageResult.succeeded("fresh"));
        }));
        restarted.start("p").get(10, TimeUnit.SECONDS);
        assertEquals(List.of(Map.of()), seen);
    }

    @Test
    void aCompletedPlanIsNotRunAgain() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        Fixture once = new Fixture("once", ctx -> {
            runs.incrementAndGet();
            return Uni.createFrom().item(StageResult.succeeded("done"));
        });
        engine(FAST, plan("once"), once).start("p").get(10, TimeUnit.SECONDS);
        PipelineOutcome again = engine(FAST, plan("once"), once).start("p").get(10, TimeUnit.SECONDS);
        assertEquals(PipelineStatus.SUCCEEDED, again.status());
        assertEquals(1, runs.get());
    }

    @Test
    void unknownAndDuplicateStageNamesFailAtStartUp() {
        Fixture a = new Fixture("a", ctx -> Uni.createFrom().item(StageResult.succeeded("")));
        IllegalStateException unknown = assertThrows(IllegalStateException.class,
                () -> new StageRegistry(List.of(a), Map.of("p", List.of("a", "missing"))));
        assertTrue(unknown.getMessage().contains("unknown stage 'missing'"));
        IllegalStateException duplicate = assertThrows(IllegalStateException.class,
                () -> new StageRegistry(List.of(a, new Fixture("a", ctx -> null)), Map.of("p", List.of("a"))));
        assertTrue(duplicate.getMessage().contains("two stages are named 'a'"));
    }

    @Test
    void pauseResumeAndAbortSayWhyTheyDoNotApply() {
        PipelineEngine engine = engine(FAST, plan("a"), new Fixture("a", ctx -> Uni.createFrom().item(StageResult.succeeded(""))));
        assertThrows(PipelineBusyException.class, engine::pause);
        assertThrows(PipelineBusyException.class, engine::resume);
        assertThrows(PipelineBusyException.class, engine::abort);
    }

    /**
     * A rollback sent to a process running the migration: the migration is aborted (its checkpoint
     * kept), the rollback starts, and what the process waits for, {@code settled()}, is the rollback's
     * outcome, not the aborted migration's.
     */
    @Test
    void aPlanThatReplacesTheRunningOneIsWhatTheProcessWaitsFor() {
        CompletableFuture<StageResult> rollbackGate = new CompletableFuture<>();
        PipelineEngine engine = engine(FAST, Map.of("migrate", List.of("long"), "rollback", List.of("back")),
                new Fixture("long", ctx -> ctx.saveCheckpoint(Map.of("cursor", "7")).chain(() -> Uni.createFrom().<StageResult>nothing())),
                new Fixture("back", ctx -> Uni.createFrom().completionStage(rollbackGate)));
        CompletableFuture<PipelineOutcome> migration = engine.start("migrate");
        CompletableFuture<PipelineOutcome> settled = engine.settled();
        await().until(() -> "7".equals(checkpoint("long").get("cursor")));

        engine.replaceWith("rollback").join();

        assertEquals(PipelineStatus.ABORTED, migration.join().status(), "the migration ended");
        assertTrue(engine.active(), "the rollback runs");
        assertEquals("rollback", status().plan);
        assertTrue(!settled.isDone(), "the process still waits: the rollback has not ended");
        assertEquals("7", checkpoint("long").get("cursor"), "the migration kept its checkpoint");

        rollbackGate.complete(StageResult.succeeded("source primary"));
        PipelineOutcome outcome = settled.join();
        assertEquals(PipelineStatus.SUCCEEDED, outcome.status(), "the process ends with the rollback's outcome");
        assertEquals(PipelineStatus.SUCCEEDED, status().status);
    }

    @Test
    void aPlanThatReplacesNothingJustStarts() {
        PipelineEngine engine = engine(FAST, Map.of("rollback", List.of("back")),
                new Fixture("back", ctx -> Uni.createFrom().item(StageResult.succeeded("done"))));

        engine.replaceWith("rollback").join();

        assertEquals(PipelineStatus.SUCCEEDED, engine.settled().join().status());
    }

    private PipelineEngine engine(EngineSettings settings, Map<String, List<String>> plans, Stage... stages) {
        StatusStore store = StatusStore.open(dir.resolve("status.json"));
        stores.add(store);
        EventHub hub = new EventHub(store, 100);
        hub.listen(events::add);
        return new PipelineEngine(new StageRegistry(List.of(stages), plans), store, hub, settings);
    }

    private static Map<String, List<String>> plan(String... stages) {
        return Map.of("p", List.of(stages));
    }

    private static Uni<StageResult> record(List<String> ran, String name) {
        ran.add(name);
        return Uni.createFrom().item(StageResult.succeeded(name + " done"));
    }

    private List<String> types() {
        synchronized (events) {
            return events.stream().map(MigrationEvent::type).filter(t -> !t.equals("stage.progress")).toList();
        }
    }

    private MigrationStatus status() {
        return stores.get(stores.size() - 1).read(s -> s);
    }

    private StageStatus stageStatus(String stage) {
        return stores.get(stores.size() - 1).read(s -> s.stageOrCreate(stage).status);
    }

    private Map<String, Object> checkpoint(String stage) {
        return stores.get(stores.size() - 1).read(s -> Map.copyOf(s.stageOrCreate(stage).checkpoint));
    }

    /** A stage whose behaviour the test supplies. */
    private record Fixture(String name, java.util.function.Function<StageContext, Uni<StageResult>> body) implements Stage {
        @Override
        public String description() {
            return "fixture " + name;
        }

        @Override
        public Uni<StageResult> run(StageContext context) {
            return body.apply(context);
        }
    }
}
