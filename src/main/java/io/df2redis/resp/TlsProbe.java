package io.df2redis.resp;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Tells, after a side could not be reached, whether the reason is a TLS mismatch: {@code tls: true}
 * against a server that answers plain text (the handshake only times out), or plain text against a
 * TLS-only port (the server closes the connection). Blocking sockets with the remote timeout: call
 * it off the event loop. It sends {@code PING} at most, never credentials.
 */
public final class TlsProbe {

    private TlsProbe() {
    }

    /** The operator's message for a mismatch at {@code endpoint}'s first address, or empty when TLS is not the problem. */
    public static Optional<String> mismatch(RedisEndpoint endpoint, Duration timeout) {
        String address = endpoint.addresses().get(0);
        int colon = address.lastIndexOf(':');
        String host = address.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        String tlsKey = endpoint.role() + ".tls";
        if (endpoint.tls() && answersPlainText(host, port, millis)) {
            return Optional.of(endpoint + " does not speak TLS (it answered a plain-text PING): set " + tlsKey
                    + ": false, or point " + endpoint.addressKey() + " at the server's TLS port");
        }
        if (!endpoint.tls() && !answersPlainText(host, port, millis) && speaksTls(host, port, millis)) {
            return Optional.of(endpoint + " speaks TLS only (it closed a plain-text connection and answered a TLS handshake): set "
                    + tlsKey + ": true, or point " + endpoint.addressKey() + " at the server's plain-text port");
        }
        return Optional.empty();
    }

    /** A RESP server answers an inline PING with {@code +PONG}, or {@code -NOAUTH}/{@code -ERR} when it wants a login. */
    static boolean answersPlainText(String host, int port, int millis) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), millis);
            socket.setSoTimeout(millis);
            socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            int first = in.read();
            return first == '+' || first == '-';
        } catch (IOException e) {
            return false;
        }
    }

    /** A completed handshake, or one that failed only on the certificate (untrusted CA), shows a TLS server. */
    static boolean speaksTls(String host, int port, int millis) {
        try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress(host, port), millis);
            plain.setSoTimeout(millis);
            try (SSLSocket tls = (SSLSocket) ((SSLSocketFactory) SSLSocketFactory.getDefault()).createSocket(plain, host, port, false)) {
                tls.startHandshake();
                return true;
            }
        } catch (IOException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof CertificateException || String.valueOf(t.getMessage()).contains("PKIX")) {
                    return true;
                }
            }
            return false;
        }
    }
}
