package dev.ratelimit.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Decides where a test's Redis comes from: Docker, the PATH, or the binary inside embedded-redis. */
final class RedisLauncher {

    private RedisLauncher() {
    }

    static TestRedis launch() {
        String forced = System.getProperty("test.redis", System.getenv().getOrDefault("TEST_REDIS", "auto"));
        if (forced.equals("docker") || (forced.equals("auto") && ContainerRedis.dockerAvailable())) {
            return ContainerRedis.launch();
        }
        Path onPath = forced.equals("embedded") ? null : findOnPath("redis-server");
        if (onPath != null) {
            return ProcessRedis.launch(onPath, "redis-server on PATH (" + onPath + ")");
        }
        return ProcessRedis.launch(embeddedBinary(), "embedded-redis binary (redis 7.0.15)");
    }

    static Path findOnPath(String executable) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, executable);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static Path embeddedBinary() {
        try {
            File binary = redis.embedded.RedisExecProvider.defaultProvider().get();
            binary.setExecutable(true);
            return binary.toPath();
        } catch (IOException e) {
            throw new IllegalStateException("Could not extract the embedded redis-server binary", e);
        }
    }
}
