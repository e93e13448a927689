package io.df2redis.proxy;

import io.df2redis.config.MigrationConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The bearer token of the proxy's console: {@code proxy.consoleToken}, or one generated once into
 * {@code <proxy dir>/console.token} (0600) and read back by every later run, so a restarted service
 * can still drive a proxy it adopts. Blocking (file I/O): called once, at start-up.
 */
final class ConsoleToken {

    static final String FILE = "console.token";

    private ConsoleToken() {
    }

    static String resolve(MigrationConfig config, Path proxyDir) {
        if (config.proxy().consoleToken().isPresent() && !config.proxy().consoleToken().get().isBlank()) {
            return config.proxy().consoleToken().get().trim();
        }
        Path file = proxyDir.resolve(FILE);
        try {
            if (Files.exists(file)) {
                String stored = Files.readString(file, StandardCharsets.UTF_8).trim();
                if (!stored.isEmpty()) {
                    return stored;
                }
            }
            byte[] random = new byte[24];
            new SecureRandom().nextBytes(random);
            String token = HexFormat.of().formatHex(random);
            Files.createDirectories(proxyDir);
            PrivateFiles.write(file, token);
            return token;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the proxy console token " + file + ": " + e.getMessage()
                    + "; set proxy.consoleToken or make the state directory writable", e);
        }
    }
}
