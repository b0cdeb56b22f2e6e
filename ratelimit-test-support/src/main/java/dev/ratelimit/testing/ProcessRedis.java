package dev.ratelimit.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A single redis-server child process on a free loopback port, with nothing persisted to disk. */
final class ProcessRedis implements TestRedis {

    private final String description;
    private final int port;
    private final Path workDir;
    private RedisProcess process;

    private ProcessRedis(String description, int port, Path workDir) {
        this.description = description;
        this.port = port;
        this.workDir = workDir;
    }

    static ProcessRedis launch(String description) {
        try {
            ProcessRedis redis = new ProcessRedis(description, TestRedis.freePort(), Files.createTempDirectory("test-redis"));
            redis.spawn();
            return redis;
        } catch (IOException e) {
            throw new IllegalStateException("Could not start " + description, e);
        }
    }

    private void spawn() {
        process = RedisProcess.spawn("redis-" + port, port, workDir, null,
                List.of("--loglevel", "warning", "--enable-debug-command", "local")).awaitPong();
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
        process.kill();
        process = null;
    }

    @Override
    public synchronized void restart() {
        stop();
        spawn();
    }

    @Override
    public synchronized void pause() {
        if (process != null) {
            process.signal("STOP");
        }
    }

    @Override
    public synchronized void resume() {
        if (process != null) {
            process.signal("CONT");
        }
    }
}
