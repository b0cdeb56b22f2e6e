package dev.ratelimit.core.redis;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;

import redis.clients.jedis.DefaultJedisSocketFactory;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * A Redis connection's socket whose reads also end at the calling thread's {@link ReadDeadline}: a read that
 * would wait past it waits only until it, and a read begun after it fails at once, with the
 * {@link SocketTimeoutException} Jedis turns into a timeout (the connection is then broken and dropped, as
 * after any timeout). Everything else is the wrapped socket's, plain or TLS.
 */
final class DeadlineSocket extends Socket {

    private final Socket socket;
    private InputStream in;
    /**
     * The read timeout Jedis set, kept here: {@link Socket#getSoTimeout()} boxes an Integer on every call, and
     * this is asked on every read of a reply.
     */
    private volatile int soTimeout;

    private DeadlineSocket(Socket socket) throws SocketException {
        this.socket = socket;
        this.soTimeout = socket.getSoTimeout();
    }

    /**
     * Makes Jedis' sockets to {@code node}, plain or TLS as {@code config} says, each wrapped. A subclass of Jedis'
     * own factory, because a connection asks it for its address ({@code Connection.getHostAndPort} casts to it).
     */
    static DefaultJedisSocketFactory factory(HostAndPort node, JedisClientConfig config) {
        return new DefaultJedisSocketFactory(node, config) {
            @Override
            public Socket createSocket() {
                Socket socket = super.createSocket();
                if (socket == null) {
                    throw new JedisConnectionException("no socket");
                }
                try {
                    return new DeadlineSocket(socket);
                } catch (SocketException e) {
                    try {
                        socket.close();
                    } catch (IOException closing) {
                        e.addSuppressed(closing);
                    }
                    throw new JedisConnectionException(e);
                }
            }
        };
    }

    @Override
    public synchronized InputStream getInputStream() throws IOException {
        if (in == null) {
            in = new DeadlineInputStream(socket.getInputStream());
        }
        return in;
    }

    private final class DeadlineInputStream extends FilterInputStream {

        DeadlineInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            long left = ReadDeadline.remainingNanos();
            if (left == ReadDeadline.NONE) {
                return in.read(b, off, len);
            }
            if (left <= 0) {
                throw new SocketTimeoutException("Redis call past its deadline (reply not complete)");
            }
            int configured = soTimeout;
            long leftMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(left));
            if (configured != 0 && configured <= leftMillis) {
                return in.read(b, off, len);
            }
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, leftMillis));
            try {
                return in.read(b, off, len);
            } finally {
                socket.setSoTimeout(configured);
            }
        }
    }

    @Override
    public OutputStream getOutputStream() throws IOException {
        return socket.getOutputStream();
    }

    @Override
    public synchronized void close() throws IOException {
        socket.close();
    }

    @Override
    public boolean isClosed() {
        return socket.isClosed();
    }

    @Override
    public boolean isConnected() {
        return socket.isConnected();
    }

    @Override
    public boolean isBound() {
        return socket.isBound();
    }

    @Override
    public boolean isInputShutdown() {
        return socket.isInputShutdown();
    }

    @Override
    public boolean isOutputShutdown() {
        return socket.isOutputShutdown();
    }

    @Override
    public synchronized void setSoTimeout(int timeout) throws SocketException {
        socket.setSoTimeout(timeout);
        soTimeout = timeout;
    }

    @Override
    public int getSoTimeout() {
        return soTimeout;
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return socket.getRemoteSocketAddress();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return socket.getLocalSocketAddress();
    }

    @Override
    public String toString() {
        return socket.toString();
    }
}
