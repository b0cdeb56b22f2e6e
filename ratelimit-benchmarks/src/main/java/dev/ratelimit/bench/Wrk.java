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

/**
 * wrk on loopback with one of the benchmark's Lua scripts (copied from the jar into the work directory):
 * {@code wrk-xff.lua} (10,000 clients via X-Forwarded-For, or with the argument {@code hot} one client) and
 * {@code wrk-count.lua} (one client, counting answers by status). Each script prints one {@code WRK ...} line.
 */
final class Wrk {

    static final String XFF = "wrk-xff.lua";
    static final String COUNT = "wrk-count.lua";

    /** The 10,000-client load ({@link #XFF} without argument) or one hot client ({@link #XFF} {@code hot}). */
    enum Clients {
        MANY("10,000 identities", null), HOT("hot identity", "hot");

        final String label;
        final String argument;

        Clients(String label, String argument) {
            this.label = label;
            this.argument = argument;
        }
    }

    /** One wrk run. Latencies in microseconds; {@code ok}, {@code limited}: 200 and 429 answers, -1 if not counted. */
    record Load(String url, int connections, long requests, double seconds, long socketErrors, long non2xx,
                long p50, long p95, long p99, long ok, long limited, String command) {
        double requestsPerSecond() {
            return requests / seconds;
        }
    }

    /** A wrk process under way. */
    static final class Running {
        private final Process process;
        private final List<String> command;
        private final String url;
        private final int connections;
        private final int seconds;
        private final String shown;

        private Running(Process process, List<String> command, String url, int connections, int seconds, String shown) {
            this.process = process;
            this.command = command;
            this.url = url;
            this.connections = connections;
            this.seconds = seconds;
            this.shown = shown;
        }

        /** Waits for wrk (killed if it overruns by 15 s) and reads its WRK line. */
        Load await() throws IOException, InterruptedException {
            String out;
            try (InputStream in = process.getInputStream()) {
                if (!process.waitFor(seconds + 15L, TimeUnit.SECONDS)) {
                    process.destroy();
                    process.waitFor(5, TimeUnit.SECONDS);
                    throw new IllegalStateException("wrk did not finish: " + command);
                }
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            for (String line : out.split("\n")) {
                if (line.startsWith("WRK ")) {
                    return new Load(url, connections, value(line, "requests"), value(line, "duration_us") / 1e6,
                            value(line, "socket_errors"), value(line, "non2xx"), value(line, "p50"), value(line, "p95"),
                            value(line, "p99"), optional(line, "ok"), optional(line, "limited"), shown);
                }
            }
            throw new IllegalStateException("No result from wrk:\n" + out);
        }
    }

    private final Path work;

    Wrk(Path work) throws IOException {
        this.work = work;
        for (String script : List.of(XFF, COUNT)) {
            try (InputStream in = Wrk.class.getResourceAsStream("/" + script)) {
                Files.copy(in, work.resolve(script), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    static boolean available() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, "wrk"))) {
                return true;
            }
        }
        return false;
    }

    Load run(int port, Clients clients, int connections, int seconds) throws IOException, InterruptedException {
        return start(port, XFF, clients.argument, connections, seconds).await();
    }

    Running start(int port, Clients clients, int connections, int seconds) throws IOException {
        return start(port, XFF, clients.argument, connections, seconds);
    }

    /** {@link #COUNT}: one client, answers counted by status (slower than {@link #XFF}: Lua sees every response). */
    Running startCounting(int port, int connections, int seconds) throws IOException {
        return start(port, COUNT, null, connections, seconds);
    }

    private Running start(int port, String script, String argument, int connections, int seconds) throws IOException {
        String url = "http://127.0.0.1:" + port + "/api/x";
        int threads = Math.min(2, connections);
        List<String> command = new ArrayList<>(List.of("wrk", "-t" + threads, "-c" + connections, "-d" + seconds + "s",
                "--timeout", "5s", "-s", work.resolve(script).toString(), url));
        if (argument != null) {
            command.add("--");
            command.add(argument);
        }
        String shown = String.join(" ", command)
                .replace(work.resolve(script).toString(), "ratelimit-benchmarks/src/main/resources/" + script)
                .replace(":" + port + "/", ":PORT/");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        return new Running(process, command, url, connections, seconds, shown);
    }

    private static long value(String line, String name) {
        long v = optional(line, name);
        if (v < 0) {
            throw new IllegalStateException("No " + name + " in " + line);
        }
        return v;
    }

    private static long optional(String line, String name) {
        for (String part : line.split(" ")) {
            if (part.startsWith(name + "=")) {
                return Long.parseLong(part.substring(name.length() + 1).trim());
            }
        }
        return -1;
    }
}
