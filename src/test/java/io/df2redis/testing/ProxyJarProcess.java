package io.df2redis.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Starts the proxy runtime's jar on a settings file, as the service does, and returns once it printed
 * its ready line; its later output is read and dropped so it never blocks on a full pipe.
 */
public final class ProxyJarProcess {

    private ProxyJarProcess() {
    }

    public static Process start(Path jar, Path settings, String heap) throws IOException {
        Process proxy = new ProcessBuilder("java", "-Xmx" + heap, "-XX:+UseSerialGC", "-jar", jar.toString(), settings.toString())
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(proxy.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder printed = new StringBuilder();
        String line = out.readLine();
        while (line != null && !line.startsWith("DF2REDIS-PROXY READY")) {
            printed.append(line).append('\n');
            line = out.readLine();
        }
        if (line == null) {
            proxy.destroyForcibly();
            throw new IOException("the proxy exited before its ready line; it printed:\n" + printed);
        }
        Thread drain = new Thread(() -> {
            try {
                out.transferTo(java.io.Writer.nullWriter());
            } catch (IOException ignored) {
                // the proxy is gone
            }
        }, "proxy-output");
        drain.setDaemon(true);
        drain.start();
        return proxy;
    }
}
