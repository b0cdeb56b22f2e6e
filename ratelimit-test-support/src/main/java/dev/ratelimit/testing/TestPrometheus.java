package dev.ratelimit.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.junit.jupiter.api.Assumptions;

/**
 * A real Prometheus server (the {@code prometheus} on the PATH, Debian package {@code prometheus}) on a free
 * port of 127.0.0.1, scraping one target every second and loading the given rule files; its own data in a
 * temporary directory. {@link #start} skips the calling test, with a printed reason, when the binary is absent.
 */
public final class TestPrometheus implements AutoCloseable {

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Process process;
    private final Path dir;
    private final int port;

    private TestPrometheus(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    /** Skips the calling test (JUnit assumption, reason also printed) unless {@code executable} is on the PATH. */
    public static Path requireOnPath(String executable) {
        Path binary = RedisLauncher.findOnPath(executable);
        if (binary == null) {
            String reason = executable + " is not on the PATH (Debian: apt-get install -y prometheus); test skipped";
            System.err.println("SKIPPED: " + reason);
            Assumptions.assumeTrue(false, reason);
        }
        return binary;
    }

    /**
     * Starts Prometheus scraping {@code http://127.0.0.1:<targetPort><metricsPath>} every second, with these
     * rule files evaluated every second, and waits until it is ready.
     */
    public static TestPrometheus start(int targetPort, String metricsPath, List<Path> ruleFiles) {
        Path binary = requireOnPath("prometheus");
        try {
            Path dir = Files.createTempDirectory("test-prometheus");
            StringBuilder config = new StringBuilder()
                    .append("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n")
                    .append("rule_files:\n");
            for (Path rules : ruleFiles) {
                config.append("  - '").append(rules.toAbsolutePath()).append("'\n");
            }
            config.append("scrape_configs:\n  - job_name: ratelimit\n    metrics_path: '").append(metricsPath).append("'\n")
                    .append("    static_configs:\n      - targets: ['127.0.0.1:").append(targetPort).append("']\n");
            Files.writeString(dir.resolve("prometheus.yml"), config);
            int port = freePort();
            Process process = new ProcessBuilder(binary.toString(),
                    "--config.file=" + dir.resolve("prometheus.yml"),
                    "--storage.tsdb.path=" + dir.resolve("data"),
                    "--web.listen-address=127.0.0.1:" + port)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("prometheus.log").toFile())
                    .start();
            TestPrometheus prometheus = new TestPrometheus(process, dir, port);
            prometheus.awaitReady();
            return prometheus;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("prometheus exited with " + process.exitValue() + ":\n" + log());
            }
            try {
                if (get("/-/ready").statusCode() == 200) {
                    return;
                }
            } catch (UncheckedIOException notYet) {
                // not listening yet
            }
            sleep(200);
        }
        close();
        throw new IllegalStateException("prometheus not ready within 60 s:\n" + log());
    }

    public int port() {
        return port;
    }

    /** The server's log so far, for failure messages. */
    public String log() {
        try {
            return Files.readString(dir.resolve("prometheus.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** {@code GET /api/v1/query?query=…}: the JSON answer. */
    public String query(String promql) {
        return get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)).body();
    }

    /**
     * Polls {@code GET path} (e.g. {@code /api/v1/query?…}, {@code /api/v1/rules}) until its JSON body satisfies
     * the condition, at most {@code timeout}; returns the last body either way, for the assertion that follows.
     */
    public String awaitBody(String path, Predicate<String> condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String body = get(path).body();
        while (!condition.test(body) && System.nanoTime() < deadline) {
            sleep(250);
            body = get(path).body();
        }
        return body;
    }

    /** {@link #awaitBody} for an instant query. */
    public String awaitQuery(String promql, Predicate<String> condition, Duration timeout) {
        return awaitBody("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8), condition, timeout);
    }

    public HttpResponse<String> get(String path) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(10)).build();
            return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
