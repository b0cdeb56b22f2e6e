package dev.ratelimit.core.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A TCP proxy in front of a real Redis that passes everything, except that it can spoil the next reply
 * to a pipeline (one chunk of Redis' output holding several script replies): {@link Fault#CUT} closes
 * that connection instead of passing the reply (Redis has run the commands; the client never hears of
 * it), {@link Fault#DRIP} passes it one byte at a time, each sooner than the socket timeout, until
 * {@link #stopDripping()}. The network faults a proxy, a load balancer or a congested link can cause.
 */
final class ReplyFaultProxy implements AutoCloseable {

    enum Fault { CUT, DRIP }

    private final String redisHost;
    private final int redisPort;
    private final long dripMillis;
    private final ServerSocket server;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicReference<Fault> armed = new AtomicReference<>();
    private final CountDownLatch struck = new CountDownLatch(1);
    private volatile boolean dripping;

    ReplyFaultProxy(String redisHost, int redisPort, long dripMillis) throws IOException {
        this.redisHost = redisHost;
        this.redisPort = redisPort;
        this.dripMillis = dripMillis;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        daemon("proxy-accept", this::accept);
    }

    String url() {
        return "redis://127.0.0.1:" + server.getLocalPort();
    }

    /** Spoils the next pipeline's reply, once. */
    void arm(Fault fault) {
        armed.set(fault);
    }

    /** Whether the armed fault has struck. */
    boolean struck() {
        return struck.getCount() == 0;
    }

    /** Passes the rest of a dripping reply at once. */
    void stopDripping() {
        dripping = false;
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket redis = new Socket(redisHost, redisPort);
                client.setTcpNoDelay(true);
                redis.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(redis);
                daemon("proxy-requests", () -> pump(client, redis, false));
                daemon("proxy-replies", () -> pump(redis, client, true));
            } catch (IOException e) {
                // closed
            }
        }
    }

    private void pump(Socket from, Socket to, boolean replies) {
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                Fault fault = replies && count(buffer, n) >= 2 ? armed.getAndSet(null) : null;
                if (fault == Fault.CUT) {
                    struck.countDown();
                    from.close();
                    to.close();
                    return;
                }
                if (fault == Fault.DRIP) {
                    struck.countDown();
                    drip(buffer, n, out);
                } else {
                    out.write(buffer, 0, n);
                }
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // one side closed: close the other
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private void drip(byte[] buffer, int n, OutputStream out) throws IOException, InterruptedException {
        dripping = true;
        int i = 0;
        for (; i < n && dripping; i++) {
            out.write(buffer[i]);
            out.flush();
            Thread.sleep(dripMillis);
        }
        out.write(buffer, i, n - i);
    }

    /** Script replies in the chunk: RESP arrays of integers, each starting a line with {@code *<n>}. */
    private static int count(byte[] buffer, int n) {
        int found = 0;
        for (int i = 0; i + 1 < n; i++) {
            boolean lineStart = i == 0 || (i >= 2 && buffer[i - 1] == '\n' && buffer[i - 2] == '\r');
            if (lineStart && buffer[i] == '*' && buffer[i + 1] >= '1' && buffer[i + 1] <= '9') {
                found++;
            }
        }
        return found;
    }

    private static void daemon(String name, Runnable task) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        dripping = false;
        server.close();
        for (Socket socket : sockets) {
            closeQuietly(socket);
        }
    }
}
