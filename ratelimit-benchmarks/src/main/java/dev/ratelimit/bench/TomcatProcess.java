package dev.ratelimit.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A {@link TomcatServer} in a JVM of its own, started from the benchmark jar. Its CPU time
 * ({@link #cpuNanos()}: user + system time of the process, which Linux reads from {@code /proc/<pid>/stat}) is the
 * application server's alone: Tomcat, the servlet and, if configured, the filter with its Redis client. wrk,
 * Redis and the benchmark's own JVM are other processes.
 */
final class TomcatProcess implements AutoCloseable {

    private static final long START_TIMEOUT_MILLIS = 90_000;

    private final String name;
    private final Process process;
    private final Path log;
    private final int port;
    private final String failure;

    private TomcatProcess(String name, Process process, Path log, int port, String failure) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.port = port;
        this.failure = failure;
    }

    /**
     * Starts the server and waits until it serves (or its application failed to start: then {@link #failure()}
     * says so and the process has ended).
     *
     * @param initParams the filter's init-params; empty: the bare servlet
     */
    static TomcatProcess start(Path work, String name, Map<String, String> initParams)
            throws IOException, InterruptedException {
        Path status = work.resolve("tomcat-" + name + ".status");
        Path log = work.resolve("tomcat-" + name + ".log");
        Files.deleteIfExists(status);
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms512m", "-Xmx512m", "-cp", System.getProperty("java.class.path"), TomcatServer.class.getName(),
                status.toString()));
        initParams.forEach((k, v) -> command.add(k + "=" + v));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MILLIS;
        while (!Files.exists(status)) {
            if (!process.isAlive() || System.currentTimeMillis() > deadline) {
                process.destroyForcibly();
                throw new IllegalStateException("Tomcat '" + name + "' did not start; see " + log);
            }
            Thread.sleep(100);
        }
        String line = Files.readString(status).trim();
        if (line.startsWith("port ")) {
            return new TomcatProcess(name, process, log, Integer.parseInt(line.substring(5)), null);
        }
        process.waitFor(10, TimeUnit.SECONDS);
        process.destroyForcibly();
        return new TomcatProcess(name, process, log, -1, line + "; see " + log);
    }

    int port() {
        if (failure != null) {
            throw new IllegalStateException("Tomcat '" + name + "' " + failure);
        }
        return port;
    }

    /** Null when serving; else why the application did not start. */
    String failure() {
        return failure;
    }

    /** Whether the server's log names this text (e.g. the refused init-param of a failed start). */
    boolean logMentions(String text) throws IOException {
        return Files.readString(log).contains(text);
    }

    /** User + system CPU time of the whole process so far. */
    long cpuNanos() {
        return process.toHandle().info().totalCpuDuration().map(Duration::toNanos)
                .orElseThrow(() -> new IllegalStateException("No CPU time for the process of Tomcat '" + name + "'"));
    }

    @Override
    public void close() throws InterruptedException {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // it has ended already
        }
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroy();
        }
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
