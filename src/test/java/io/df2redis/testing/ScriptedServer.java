package io.df2redis.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A loopback server that plays a scripted peer (a recorded Dragonfly, a server with a known bug): it accepts
 * every connection on a thread of its own and hands it to {@link #serve}. A subclass calls {@link #start} at
 * the end of its constructor, once its own fields are set.
 */
public abstract class ScriptedServer implements AutoCloseable {

    private final ServerSocket socket;
    private final String name;

    protected ScriptedServer(String name) throws IOException {
        this.name = name;
        this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    protected final void start() {
        Thread acceptor = new Thread(this::accept, name);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public String address() {
        return "127.0.0.1:" + socket.getLocalPort();
    }

    /** Talks to one client until it goes away. */
    protected abstract void serve(Socket client);

    private void accept() {
        while (!socket.isClosed()) {
            try {
                Socket client = socket.accept();
                Thread connection = new Thread(() -> serve(client), name + "-connection");
                connection.setDaemon(true);
                connection.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
