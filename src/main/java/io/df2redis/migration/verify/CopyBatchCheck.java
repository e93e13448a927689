package io.df2redis.migration.verify;

import io.df2redis.config.MigrationConfig;
import io.df2redis.config.MigrationPaths;
import io.df2redis.copy.BatchCheck;
import io.df2redis.copy.FailureLog;
import io.df2redis.copy.KeyFailure;
import jakarta.enterprise.context.ApplicationScoped;
import io.smallrye.mutiny.Uni;
import java.nio.file.Path;
import java.util.List;

/**
 * The verifier's comparison (values or payloads, absolute TTL within {@code verify.ttlTolerance}) of each batch
 * the scan copy wrote ({@code verify.duringCopy}). One comparison, no settling: a key that differs is written
 * to {@code <stateDir>/copy-differences.jsonl}, whose keys the verify stage checks again with rounds and
 * repairs (a key written between its copy and its check differs for a moment, the settled comparison says so).
 */
@ApplicationScoped
public class CopyBatchCheck implements BatchCheck {

    static final String DIFFERENCES = "copy-differences.jsonl";

    private final Verifier verifier;
    private final MigrationConfig config;
    private final MigrationPaths paths;

    public CopyBatchCheck(Verifier verifier, MigrationConfig config, MigrationPaths paths) {
        this.verifier = verifier;
        this.config = config;
        this.paths = paths;
    }

    static Path differences(MigrationPaths paths) {
        return paths.stateDir().resolve(DIFFERENCES);
    }

    @Override
    public boolean enabled() {
        return config.verify().duringCopy();
    }

    @Override
    public Batches open() {
        Verifier.Session session = verifier.open();
        FailureLog differences = new FailureLog(differences(paths));
        return new Batches() {
            @Override
            public Uni<Long> check(int db, List<byte[]> keys) {
                return verifier.compare(session, db, keys)
                        .chain(found -> differences.append(found.stream()
                                        .map(d -> new KeyFailure(d.key(), d.db(), d.reason() + " (after its batch was copied)"))
                                        .toList())
                                .replaceWith((long) found.size()));
            }

            @Override
            public Uni<Void> close() {
                return session.close()
                        .invoke(differences::close);
            }
        };
    }
}
