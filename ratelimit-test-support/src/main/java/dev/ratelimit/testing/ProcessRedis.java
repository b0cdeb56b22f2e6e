package dev.ratelimit.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A redis-server child process on a free loopback port, with nothing persisted to disk. */
final class ProcessRedis implements TestRedis {

    private final Path binary;
    private final String description;
    private final int port;
    private final Path workDir;
    private Process process;

    private ProcessRedis(Path binary, String description, int port, Path workDir) {
        this.binary = binary;
        this.description = description;
        this.port = port;
        this.workDir = workDir;
    }

    static ProcessRedis launch(Path binary, String description) {
        try {
            ProcessRedis redis = new ProcessRedis(binary, description, TestRedis.freePort(),
                    Files.createTempDirectory("test-redis"));
            redis.spawn();
            return redis;
        } catch (IOException e) {
            throw new IllegalStateException("Could not start " + description, e);
        }
    }

    private void spawn() {
        List<String> command = new ArrayList<>(List.of(binary.toString(),
                "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", workDir.toString(),
                "--protected-mode", "no", "--loglevel", "warning", "--enable-debug-command", "local"));
        try {
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(workDir.resolve("redis.log").toFile())
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("Could not start " + description, e);
        }
        TestRedis.awaitPong(host(), port, Duration.ofSeconds(10));
    }

    @Override
    public String host() {
        return "127.0.0.1";
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        resume();
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    @Override
    public synchronized void restart() {
        stop();
        spawn();
    }

    @Override
    public synchronized void pause() {
        signal("STOP");
    }

    @Override
    public synchronized void resume() {
        signal("CONT");
    }

    private void signal(String name) {
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
}
