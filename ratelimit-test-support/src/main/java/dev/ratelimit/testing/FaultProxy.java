package dev.ratelimit.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on a free loopback port in front of a real server (a test redis-server), whose behaviour is
 * switched while connections run, to inject the network faults a link, a load balancer or a half-dead host
 * cause:
 * <ul>
 * <li>{@link #passThrough()}: forwards both ways, unchanged;</li>
 * <li>{@link #latency(long)}: holds every chunk of the server's replies that long before forwarding it;</li>
 * <li>{@link #reset()}: resets (TCP RST) every open connection, and every new one as soon as it is accepted;</li>
 * <li>{@link #blackHole()}: accepts and reads, but forwards nothing either way and never closes;</li>
 * <li>{@link #drip(long)}: forwards the server's replies one byte at a time, one every that many ms.</li>
 * </ul>
 * Point the client at {@link #url()} instead of the server's own.
 */
public final class FaultProxy implements AutoCloseable {

    private enum Mode { PASS, LATENCY, RESET, BLACK_HOLE, DRIP }

    private final String targetHost;
    private final int targetPort;
    private final ServerSocket server;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicLong accepted = new AtomicLong();
    private volatile Mode mode = Mode.PASS;
    private volatile long delayMillis;

    public FaultProxy(String targetHost, int targetPort) {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        try {
            this.server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new IllegalStateException("No free loopback port for the fault proxy", e);
        }
        daemon("fault-proxy-accept-" + port(), this::acceptLoop);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** {@code redis://127.0.0.1:<proxy port>}. */
    public String url() {
        return "redis://127.0.0.1:" + port();
    }

    /** Connections accepted so far. */
    public long accepted() {
        return accepted.get();
    }

    public void passThrough() {
        mode = Mode.PASS;
    }

    public void latency(long millisPerChunk) {
        delayMillis = millisPerChunk;
        mode = Mode.LATENCY;
    }

    public void reset() {
        mode = Mode.RESET;
        for (Socket socket : sockets) {
            resetQuietly(socket);
        }
    }

    public void blackHole() {
        mode = Mode.BLACK_HOLE;
    }

    public void drip(long millisPerByte) {
        delayMillis = millisPerByte;
        mode = Mode.DRIP;
    }

    /** The current mode, e.g. {@code BLACK_HOLE}. */
    public String mode() {
        return mode.name();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            accepted.incrementAndGet();
            if (mode == Mode.RESET) {
                resetQuietly(client);
                continue;
            }
            try {
                Socket target = new Socket(targetHost, targetPort);
                client.setTcpNoDelay(true);
                target.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(target);
                daemon("fault-proxy-requests", () -> pump(client, target, false));
                daemon("fault-proxy-replies", () -> pump(target, client, true));
            } catch (IOException e) {
                closeQuietly(client); // the server is down: the client sees its connection closed
            }
        }
    }

    private void pump(Socket from, Socket to, boolean replies) {
        byte[] buffer = new byte[16 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            for (int n; (n = in.read(buffer)) > 0; ) {
                Mode now = mode;
                if (now == Mode.BLACK_HOLE) {
                    continue; // read and dropped: the other side hears nothing
                }
                if (replies && now == Mode.LATENCY) {
                    Thread.sleep(delayMillis);
                }
                if (replies && now == Mode.DRIP) {
                    for (int i = 0; i < n; i++) {
                        out.write(buffer[i]);
                        out.flush();
                        Thread.sleep(delayMillis);
                    }
                } else {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            }
        } catch (IOException | InterruptedException e) {
            // one side closed or was reset: close the other below
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    /** An abortive close: the peer gets RST ("connection reset"), not FIN. */
    private void resetQuietly(Socket socket) {
        try {
            socket.setSoLinger(true, 0);
        } catch (SocketException e) {
            // already closed
        }
        closeQuietly(socket);
    }

    private void closeQuietly(Socket socket) {
        sockets.remove(socket);
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    private static void daemon(String name, Runnable task) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // already closed
        }
        for (Socket socket : sockets) {
            closeQuietly(socket);
        }
    }
}
