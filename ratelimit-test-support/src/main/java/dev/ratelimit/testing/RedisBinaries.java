package dev.ratelimit.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The redis-server binary the topology launchers run, found as {@link RedisLauncher} finds it for one
 * node: {@code redis-server} on the PATH, else the binary inside {@code org.signal:embedded-redis}.
 */
final class RedisBinaries {

    private RedisBinaries() {
    }

    static Path server() {
        if (!"embedded".equals(System.getProperty("test.redis", System.getenv().getOrDefault("TEST_REDIS", "auto")))) {
            Path onPath = RedisLauncher.findOnPath("redis-server");
            if (onPath != null) {
                return onPath;
            }
        }
        try {
            File binary = redis.embedded.RedisExecProvider.defaultProvider().get();
            binary.setExecutable(true);
            return binary.toPath();
        } catch (IOException e) {
            throw new IllegalStateException("Could not extract the embedded redis-server binary", e);
        }
    }
}
