package dev.ratelimit.testing;

import java.io.File;
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
        Path binary = RedisBinaries.server();
        String description = binary.equals(findOnPath("redis-server"))
                ? "redis-server on PATH (" + binary + ")" : "embedded-redis binary (redis 7.0.15)";
        return ProcessRedis.launch(description);
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
}
