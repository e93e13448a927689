package io.df2redis.migration.scripts;

import io.df2redis.migration.engine.StageContext;
import io.df2redis.resp.RedisSide;
import io.df2redis.resp.ServerInfo;
import io.df2redis.state.StatusStore;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The precheck's look at scripts on the source: whether a script may write keys it does not declare
 * (those writes reach no journal record, so script runs then force full verify passes), and whether the
 * source can list the scripts loaded on it before the migration. Read-only.
 *
 * <p>Dragonfly refuses undeclared keys unless its {@code default_lua_flags} setting (called
 * {@code default_lua_config} in older releases) holds {@code allow-undeclared-keys}; a script may also ask
 * for it in a {@code #!lua flags=} first line (the proxy counts those runs) or through {@code SCRIPT CONFIGURE}
 * (not visible to df2redis). Redis lets every script without flags touch any key.
 */
@ApplicationScoped
public class UndeclaredKeys {

    static final String SETTING = "default_lua_flags";
    static final String OLD_SETTING = "default_lua_config";
    static final String FLAG = "allow-undeclared-keys";

    private final StatusStore store;

    public UndeclaredKeys(StatusStore store) {
        this.store = store;
    }

    /** Looks, warns when scripts may write undeclared keys, records the answer for the cutover steps. */
    public Uni<Boolean> check(StageContext context, RedisSide source, ServerInfo info) {
        return basis(source, info)
                .invoke(verdict -> {
                    if (!context.readOnly()) {
                        store.update(s -> {
                            s.scripts.undeclaredKeysAllowed = verdict.allowed();
                            s.scripts.undeclaredKeysBasis = verdict.basis();
                        });
                    }
                    Map<String, Object> finding = new LinkedHashMap<>();
                    finding.put("undeclaredKeysAllowed", verdict.allowed());
                    finding.put("basis", verdict.basis());
                    finding.put("sourceListsScripts", info.dragonfly());
                    context.finding("scripts", finding);
                    if (verdict.allowed()) {
                        context.warn("scripts may write keys they do not declare (" + verdict.basis() + "): such writes are not in "
                                + "the journal, so every script run through the proxy forces a full verify pass before the next read "
                                + "batch and before the write cutover; pass every key a script writes in KEYS"
                                + (info.dragonfly() ? " and remove " + FLAG + " from " + SETTING : "") + " to avoid those passes");
                    }
                    if (!info.dragonfly()) {
                        context.warn("the source is Redis, which cannot list its scripts: EVALSHA of a script loaded before the "
                                + "migration and never run through the proxy is answered NOSCRIPT by the proxy, and needs the "
                                + "application's usual fallback (most clients send EVAL on NOSCRIPT), which records it");
                    }
                })
                .map(Verdict::allowed);
    }

    private record Verdict(boolean allowed, String basis) {
    }

    private static Uni<Verdict> basis(RedisSide source, ServerInfo info) {
        if (!info.dragonfly()) {
            return Uni.createFrom().item(new Verdict(true, "a Redis source lets a script without flags write any key"));
        }
        return setting(source, SETTING)
                .chain(value -> value.isPresent() ? Uni.createFrom().item(value.map(v -> SETTING + "=\"" + v + "\""))
                        : setting(source, OLD_SETTING).map(old -> old.map(v -> OLD_SETTING + "=\"" + v + "\"")))
                .map(setting -> setting
                        .map(text -> new Verdict(text.contains(FLAG), "source " + text))
                        .orElseGet(() -> new Verdict(true, "the source's " + SETTING + " could not be read; assumed to allow them")));
    }

    /** A setting's value; empty when the server does not answer it (unknown name, CONFIG refused). */
    private static Uni<Optional<String>> setting(RedisSide source, String name) {
        return source.send(Command.CONFIG, "GET", name)
                .map(reply -> ServerInfo.configValue(reply, name))
                .onFailure().recoverWithItem(Optional.empty());
    }
}
