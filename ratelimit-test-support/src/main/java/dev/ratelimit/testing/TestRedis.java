package dev.ratelimit.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A real Redis server owned by one test class, on a free port, that the test may stop, kill, pause
 * (SIGSTOP) and restart. {@link #start()} picks the first that works: Testcontainers when a Docker
 * engine answers, else {@code redis-server} on the PATH, else the binary shipped in
 * {@code org.signal:embedded-redis}; it prints which. The machine's own Redis on 6379 is never used.
 */
public interface TestRedis extends AutoCloseable {

    static TestRedis start() {
        TestRedis redis = RedisLauncher.launch();
        System.out.println("[test-redis] " + redis.describe() + " on port " + redis.port());
        return redis;
    }

    String host();

    int port();

    /** {@code redis://host:port}. */
    default String url() {
        return "redis://" + host() + ":" + port();
    }

    String describe();

    /** Stops the server and waits until it is gone. */
    void stop();

    /** Starts it again on the same port (data is not kept). */
    void restart();

    /** Freezes the server (SIGSTOP): connections stay open but nothing answers. */
    void pause();

    void resume();

    /** Runs one command and returns the raw RESP reply, for assertions that must bypass the code under test. */
    default String command(String... args) {
        return Resp.command(host(), port(), args);
    }

    /** EVALSHA and EVAL calls this Redis has run so far ({@code INFO commandstats}). */
    default long scriptCalls() {
        return scriptCallsIn(command("INFO", "commandstats"));
    }

    /** The EVALSHA and EVAL calls an {@code INFO commandstats} reply counts. */
    static long scriptCallsIn(String commandstats) {
        java.util.regex.Matcher calls = java.util.regex.Pattern.compile("cmdstat_(?:evalsha|eval):calls=(\\d+)")
                .matcher(commandstats);
        long total = 0;
        while (calls.find()) {
            total += Long.parseLong(calls.group(1));
        }
        return total;
    }

    /** Deletes every key, so test methods start clean. */
    default void flushAll() {
        command("FLUSHALL");
    }

    @Override
    default void close() {
        stop();
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("No free port", e);
        }
    }

    static void awaitPong(String host, int port, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(host, port), 200);
                socket.setSoTimeout(500);
                socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                InputStream in = socket.getInputStream();
                if (RespReader.read(in).equals("PONG")) {
                    return;
                }
            } catch (IOException e) {
                last = e;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("Redis on " + host + ":" + port + " did not answer PING within " + timeout, last);
    }
}
