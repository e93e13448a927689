package io.df2redis.migration.cutover;

import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationPaths;
import io.df2redis.proxy.ProxyControl;
import io.df2redis.proxy.ProxySupervisor;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Turns the proxy plugin's meta CAS off by removing {@code hook.json} (the plugin reloads it and stops
 * writing meta keys), then waits until the proxy confirms. Done before meta keys are removed at the
 * end of a migration or a rollback; it also removes the last generated file that holds a password.
 */
@ApplicationScoped
public class MetaHookOff {

    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration WAIT = Duration.ofSeconds(15);

    private final MigrationConfig config;
    private final MigrationPaths paths;
    private final ProxySupervisor proxy;
    private final ProxyControl control;

    public MetaHookOff(MigrationConfig config, MigrationPaths paths, ProxySupervisor proxy, ProxyControl control) {
        this.config = config;
        this.paths = paths;
        this.proxy = proxy;
        this.control = control;
    }

    public Uni<Void> turnOff() {
        Path file = config.proxy().hookInfoFile().map(f -> paths.baseDir().resolve(f)).orElse(paths.walDir().resolve("hook.json"));
        return Uni.createFrom().item(() -> {
                    try {
                        return Files.deleteIfExists(file);
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot remove " + file + ": " + e.getMessage(), e);
                    }
                })
                // File I/O: off the event loop.
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .chain(() -> proxy.running() ? inactive() : Uni.createFrom().voidItem());
    }

    private Uni<Void> inactive() {
        return control.console().status()
                .chain(status -> status.metaCas() == null || !status.metaCas().active() ? Uni.createFrom().voidItem()
                        : Uni.createFrom().voidItem().onItem().delayIt().by(POLL).chain(this::inactive))
                .ifNoItem().after(WAIT).failWith(() -> new IllegalStateException("the proxy still writes meta keys "
                        + WAIT.toSeconds() + " s after hook.json was removed"));
    }
}
