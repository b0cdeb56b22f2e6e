package dev.ratelimit.bench;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;

import dev.ratelimit.servlet.RateLimitFilter;

/**
 * End-to-end load: one embedded Tomcat 9 (tomcat-embed-core), one application, one servlet on
 * {@code /on/*} and {@code /off/*}; the real {@link RateLimitFilter}, configured with the init-params a
 * web.xml would give, guards {@code /on/*} only. wrk on loopback drives both paths in turn.
 */
final class EndToEnd implements AutoCloseable {

    /** The example's {@code 5/10s, 100/1h} shape with numbers no run reaches: every request goes to Redis. */
    static final String LIMITS = "100000000/10s, 999999999/1h";

    static final String TIMEOUT = "1s";

    // Held so the JULI levels set here are not collected with a weakly referenced logger.
    private static final Logger TOMCAT_LOG = Logger.getLogger("org.apache");
    private static final Logger LOADER_LOG = Logger.getLogger("org.apache.catalina.loader");

    /** One wrk run. Latencies in microseconds. */
    record Load(String path, int connections, long requests, double seconds, long socketErrors, long non2xx,
                long p50, long p95, long p99, String command) {
        double requestsPerSecond() {
            return requests / seconds;
        }
    }

    private final Tomcat tomcat = new Tomcat();
    private final int port;
    private final Path script;

    EndToEnd(String redisUrl, Path work) throws IOException, LifecycleException {
        TOMCAT_LOG.setLevel(Level.WARNING);
        // Leak-detection notes on stop (needs --add-opens) are about redeploys, not this run.
        LOADER_LOG.setLevel(Level.SEVERE);
        Path base = Files.createTempDirectory(work, "tomcat");
        tomcat.setBaseDir(base.toString());
        tomcat.setPort(0);
        tomcat.getConnector().setProperty("address", "127.0.0.1");
        Context context = tomcat.addContext("", base.toString());
        Tomcat.addServlet(context, "api", new ApiServlet());
        context.addServletMappingDecoded("/*", "api");
        FilterDef filter = new FilterDef();
        filter.setFilterName("api-limit");
        filter.setFilterClass(RateLimitFilter.class.getName());
        filter.addInitParameter(RateLimitFilter.PARAM_LIMITS, LIMITS);
        filter.addInitParameter(RateLimitFilter.PARAM_KEY, "ip");
        filter.addInitParameter(RateLimitFilter.PARAM_SCOPE, "e2e");
        filter.addInitParameter(RateLimitFilter.PARAM_TRUSTED_PROXIES, "127.0.0.1");
        filter.addInitParameter(RateLimitFilter.PARAM_REDIS_URL, redisUrl);
        // Not the 50 ms default: on 2 busy cores a descheduled thread waits longer, the breaker opens, and
        // the run would measure fail-open bypasses (RunAll checks Redis calls per request).
        filter.addInitParameter(RateLimitFilter.PARAM_TIMEOUT, TIMEOUT);
        filter.addInitParameter(RateLimitFilter.PARAM_POOL_MAX_WAIT, TIMEOUT);
        context.addFilterDef(filter);
        FilterMap map = new FilterMap();
        map.setFilterName("api-limit");
        map.addURLPattern("/on/*");
        context.addFilterMap(map);
        tomcat.getHost();
        tomcat.start();
        port = tomcat.getConnector().getLocalPort();
        script = work.resolve("wrk-xff.lua");
        try (InputStream in = EndToEnd.class.getResourceAsStream("/wrk-xff.lua")) {
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static boolean wrkAvailable() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, "wrk"))) {
                return true;
            }
        }
        return false;
    }

    int port() {
        return port;
    }

    /** Runs wrk for {@code seconds}; killed if it overruns by 15 s. */
    Load load(String path, int threads, int connections, int seconds) throws IOException, InterruptedException {
        String url = "http://127.0.0.1:" + port + path;
        List<String> command = new ArrayList<>(List.of("wrk", "-t" + threads, "-c" + connections, "-d" + seconds + "s",
                "--timeout", "5s", "-s", script.toString(), url));
        Process wrk = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out;
        try (InputStream in = wrk.getInputStream()) {
            if (!wrk.waitFor(seconds + 15L, TimeUnit.SECONDS)) {
                wrk.destroy();
                wrk.waitFor(5, TimeUnit.SECONDS);
                throw new IllegalStateException("wrk did not finish: " + command);
            }
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        for (String line : out.split("\n")) {
            if (line.startsWith("WRK ")) {
                String shown = String.join(" ", command).replace(script.toString(), "ratelimit-benchmarks/src/main/resources/wrk-xff.lua")
                        .replace(":" + port + "/", ":PORT/");
                return new Load(path, connections, value(line, "requests"), value(line, "duration_us") / 1e6,
                        value(line, "socket_errors"), value(line, "non2xx"), value(line, "p50"), value(line, "p95"),
                        value(line, "p99"), shown);
            }
        }
        throw new IllegalStateException("No result from wrk:\n" + out);
    }

    private static long value(String line, String name) {
        for (String part : line.split(" ")) {
            if (part.startsWith(name + "=")) {
                return Long.parseLong(part.substring(name.length() + 1).trim());
            }
        }
        throw new IllegalStateException("No " + name + " in " + line);
    }

    @Override
    public void close() throws LifecycleException {
        tomcat.stop();
        tomcat.destroy();
    }

    /** Like the example's {@code ApiServlet}: a small JSON answer naming the route. */
    static final class ApiServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            byte[] body = ("{\"route\":\"" + request.getRequestURI() + "\",\"method\":\"" + request.getMethod() + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            response.setStatus(200);
            response.setContentType("application/json");
            response.setCharacterEncoding("UTF-8");
            response.setContentLength(body.length);
            response.getOutputStream().write(body);
        }
    }
}
