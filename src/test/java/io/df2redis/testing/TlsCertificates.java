package io.df2redis.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate for 127.0.0.1/localhost made with {@code openssl} (and, when asked, a PKCS12
 * trust store holding it made with {@code keytool}), and the {@code redis-server} arguments that open a
 * TLS port with it.
 */
public final class TlsCertificates {

    private TlsCertificates() {
    }

    /** Writes {@code server.key} and {@code server.crt} into {@code dir}. */
    public static void selfSigned(Path dir) throws Exception {
        run(dir, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.crt",
                "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost");
    }

    /** Writes {@code trust.p12} (password {@code changeit}) holding {@code server.crt}. */
    public static Path trustStore(Path dir) throws Exception {
        run(dir, "keytool", "-importcert", "-noprompt", "-alias", "redis", "-file", "server.crt", "-keystore", "trust.p12",
                "-storetype", "PKCS12", "-storepass", "changeit");
        return dir.resolve("trust.p12");
    }

    /** {@code redis-server} arguments for a TLS port with the certificate of {@code dir}, clients not asked for one. */
    public static String[] redisArgs(Path dir, int tlsPort) {
        return new String[] {"--tls-port", String.valueOf(tlsPort), "--tls-cert-file", dir.resolve("server.crt").toString(),
                "--tls-key-file", dir.resolve("server.key").toString(), "--tls-ca-cert-file", dir.resolve("server.crt").toString(),
                "--tls-auth-clients", "no"};
    }

    private static void run(Path dir, String... command) throws Exception {
        Path log = dir.resolve(command[0] + ".log");
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + Files.readString(log));
        }
    }
}
