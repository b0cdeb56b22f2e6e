package dev.ratelimit.testing;

import java.time.Duration;
import java.util.List;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/** Redis in a Docker container (Testcontainers), bound to a fixed free host port so a restart keeps it. */
final class ContainerRedis implements TestRedis {

    private static final DockerImageName IMAGE = DockerImageName.parse("redis:7.0");

    private final int port;
    private GenericContainer<?> container;

    private ContainerRedis(int port) {
        this.port = port;
    }

    static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    static ContainerRedis launch() {
        ContainerRedis redis = new ContainerRedis(TestRedis.freePort());
        redis.spawn();
        return redis;
    }

    @SuppressWarnings("resource")
    private void spawn() {
        container = new GenericContainer<>(IMAGE)
                .withCommand("redis-server", "--save", "", "--appendonly", "no", "--enable-debug-command", "yes");
        container.setPortBindings(List.of(port + ":6379"));
        container.start();
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
        return "Testcontainers " + IMAGE;
    }

    @Override
    public synchronized void stop() {
        if (container != null) {
            container.stop();
            container = null;
        }
    }

    @Override
    public synchronized void restart() {
        stop();
        spawn();
    }

    @Override
    public synchronized void pause() {
        DockerClientFactory.instance().client().pauseContainerCmd(container.getContainerId()).exec();
    }

    @Override
    public synchronized void resume() {
        DockerClientFactory.instance().client().unpauseContainerCmd(container.getContainerId()).exec();
    }
}
