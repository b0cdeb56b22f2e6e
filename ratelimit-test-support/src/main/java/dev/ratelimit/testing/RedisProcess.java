package dev.ratelimit.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One redis-server child process (a cluster node, a replica, a sentinel, a TLS server) with its own
 * arguments, working directory and log, on loopback. Nothing is persisted unless its arguments say so.
 */
public final class RedisProcess implements AutoCloseable {

    private final String name;
    private final int port;
    private final Path dir;
    private final List<String> command;
    private Process process;

    private RedisProcess(String name, int port, Path dir, List<String> command) {
        this.name = name;
        this.port = port;
        this.dir = dir;
        this.command = command;
    }

    /**
     * Starts {@code redis-server [configFile] --port P --bind 127.0.0.1 ... extraArgs}; does not wait for it.
     *
     * @param configFile a file in {@code dir} to pass first (sentinels need one they can rewrite), or null
     */
    static RedisProcess spawn(String name, int port, Path dir, Path configFile, List<String> extraArgs) {
        List<String> command = new ArrayList<>();
        command.add(RedisBinaries.server().toString());
        if (configFile != null) {
            command.add(configFile.toString());
        }
        command.addAll(List.of("--port", String.valueOf(port), "--bind", "127.0.0.1", "--dir", dir.toString(),
                "--save", "", "--appendonly", "no", "--protected-mode", "no", "--loglevel", "notice"));
        command.addAll(extraArgs);
        RedisProcess redis = new RedisProcess(name, port, dir, command);
        redis.start();
        return redis;
    }

    private synchronized void start() {
        try {
            process = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()))
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("Could not start " + name + ": " + command, e);
        }
    }

    /** Waits until it answers PING on its plain-text port. */
    RedisProcess awaitPong() {
        try {
            TestRedis.awaitPong("127.0.0.1", port, Duration.ofSeconds(10));
        } catch (IllegalStateException e) {
            throw new IllegalStateException(name + " did not start; its log:\n" + logText(), e);
        }
        return this;
    }

    /** Waits for a line of its log (e.g. when it listens on TLS only), or for it to exit. */
    RedisProcess awaitLog(String text, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (logText().contains(text)) {
                return this;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited; its log:\n" + logText());
            }
            sleep(20);
        }
        throw new IllegalStateException(name + " did not log '" + text + "' within " + timeout + "; its log:\n" + logText());
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    public boolean alive() {
        return process != null && process.isAlive();
    }

    /** Runs one command over plain text and returns the reply as {@link TestRedis#command} does. */
    public String command(String... args) {
        return Resp.command("127.0.0.1", port, args);
    }

    /** SIGKILL: no goodbye to clients or replicas, as when a machine dies. */
    public synchronized void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    /** Sends a signal, e.g. {@code STOP} to freeze the server and {@code CONT} to let it go on. */
    public synchronized void signal(String name) {
        if (process == null) {
            return;
        }
        try {
            new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).start().waitFor();
        } catch (IOException e) {
            throw new IllegalStateException("kill -" + name + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    String logText() {
        try {
            return Files.exists(log()) ? new String(Files.readAllBytes(log()), StandardCharsets.UTF_8) : "(no log)";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    private Path log() {
        return dir.resolve(name + ".log");
    }

    @Override
    public void close() {
        kill();
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return name + " on 127.0.0.1:" + port;
    }
}
