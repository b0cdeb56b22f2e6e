package dev.ratelimit.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

import dev.ratelimit.bench.Wrk.Clients;
import dev.ratelimit.bench.Wrk.Load;
import dev.ratelimit.servlet.RateLimitFilter;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;

/**
 * The end-to-end section: the same servlet in embedded Tomcats, each in a JVM of its own ({@link TomcatProcess}),
 * all running at once: without the filter, with it on Redis (exact mode), with the in-memory store
 * ({@code redis-url} absent) and with {@code prefetch=100}. wrk (16 connections) drives one server at a time,
 * interleaved per round, with 10,000 identities and with one hot identity. Per wrk run: requests/s, latency, the
 * server process' CPU time (so CPU per request is Tomcat's alone, both Tomcats in the same run), Redis' CPU time
 * and script calls; the table shows medians over the rounds.
 */
final class EndToEnd {

    /** The example's {@code 5/10s, 100/1h} shape with numbers no run reaches: every request goes to Redis. */
    static final String LIMITS = "100000000/10s, 999999999/1h";

    /**
     * Not the 50 ms default: on 2 busy cores a descheduled thread waits longer, the breaker opens, and the run would
     * measure fail-open bypasses (the rows show Redis calls per request).
     */
    static final String TIMEOUT = "1s";

    static final int CONNECTIONS = 16;
    static final int PREFETCH = 100;

    private static final int ROUNDS = Integer.getInteger("bench.e2e.rounds", 3);
    private static final int SECONDS = Integer.getInteger("bench.e2e.s", 5);
    private static final int WARMUP_SECONDS = Integer.getInteger("bench.e2e.w", 8);

    /** The servers of the section. */
    enum Server {
        OFF("filter off"), ON("filter on (Redis)"), MEMORY("filter on (in-memory store)"),
        PREFETCH("filter on (Redis, prefetch=" + EndToEnd.PREFETCH + ")");

        final String label;

        Server(String label) {
            this.label = label;
        }
    }

    /** One wrk run on one server and what it cost: the server process' CPU, Redis' CPU and script calls. */
    record Sample(Load load, long tomcatCpuNanos, long redisCpuMicros, long scriptCalls) {
        double cpuMicrosPerRequest() {
            return tomcatCpuNanos / 1e3 / load.requests();
        }

        double redisMicrosPerCall() {
            return scriptCalls == 0 ? Double.NaN : redisCpuMicros / (double) scriptCalls;
        }

        double callsPerRequest() {
            return scriptCalls / (double) load.requests();
        }
    }

    private EndToEnd() {
    }

    /** The init-params of the benchmark's filter; {@code redisUrl} null: the in-memory store. */
    static Map<String, String> filterParams(String redisUrl, String scope, String limits, String... extra) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put(RateLimitFilter.PARAM_LIMITS, limits);
        params.put(RateLimitFilter.PARAM_KEY, "ip");
        params.put(RateLimitFilter.PARAM_SCOPE, scope);
        params.put(RateLimitFilter.PARAM_TRUSTED_PROXIES, "127.0.0.1");
        if (redisUrl != null) {
            params.put(RateLimitFilter.PARAM_REDIS_URL, redisUrl);
            params.put(RateLimitFilter.PARAM_TIMEOUT, TIMEOUT);
            params.put(RateLimitFilter.PARAM_POOL_MAX_WAIT, TIMEOUT);
        }
        for (int i = 0; i < extra.length; i += 2) {
            params.put(extra[i], extra[i + 1]);
        }
        return params;
    }

    /**
     * Starts a server with {@code prefetch}; null (and the reason printed) when this build refuses the parameter,
     * which fails the deployment naming it. Any other failure to start fails the run.
     */
    static TomcatProcess startPrefetching(Path work, String name, Map<String, String> params)
            throws IOException, InterruptedException {
        TomcatProcess server = TomcatProcess.start(work, name, params);
        if (server.failure() == null) {
            return server;
        }
        server.close();
        if (!Prefetch.supported() || server.logMentions(Prefetch.PARAM)) {
            System.out.println("[bench] Tomcat '" + name + "': " + Prefetch.unavailable() + " (" + server.failure() + ")");
            return null;
        }
        throw new IllegalStateException("Tomcat '" + name + "' " + server.failure());
    }

    /** One wrk run against {@code server}, with the CPU and Redis calls it cost. */
    static Sample measure(Wrk wrk, TomcatProcess server, Clients clients, int connections, int seconds, UnifiedJedis redis)
            throws IOException, InterruptedException {
        long cpu = server.cpuNanos();
        long redisCpu = RedisStats.cpuMicros(redis);
        long calls = RedisStats.evalshaCalls(redis);
        Load load = wrk.run(server.port(), clients, connections, seconds);
        return new Sample(load, server.cpuNanos() - cpu, RedisStats.cpuMicros(redis) - redisCpu,
                RedisStats.evalshaCalls(redis) - calls);
    }

    static void run(String redisUrl, Path work, Report report) throws Exception {
        if (!Wrk.available()) {
            System.out.println("[bench] wrk not on PATH (Debian: apt-get install -y wrk): end-to-end load skipped");
            report.add("end-to-end load", "skipped: no wrk", "-", "-", "-", "-");
            return;
        }
        Wrk wrk = new Wrk(work);
        Map<Server, TomcatProcess> servers = new EnumMap<>(Server.class);
        try (RedisClient redis = BenchRedis.rawClient()) {
            servers.put(Server.OFF, TomcatProcess.start(work, "off", Map.of()));
            servers.put(Server.ON, TomcatProcess.start(work, "on", filterParams(redisUrl, "e2e", LIMITS)));
            servers.put(Server.MEMORY, TomcatProcess.start(work, "memory", filterParams(null, "e2e", LIMITS)));
            TomcatProcess prefetching = startPrefetching(work, "prefetch",
                    filterParams(redisUrl, "e2e-prefetch", LIMITS, Prefetch.PARAM, String.valueOf(PREFETCH)));
            if (prefetching != null) {
                servers.put(Server.PREFETCH, prefetching);
            }
            Map<String, List<Sample>> samples = new HashMap<>();
            for (int round = -1; round < ROUNDS; round++) {
                for (Clients clients : Clients.values()) {
                    for (Map.Entry<Server, TomcatProcess> s : servers.entrySet()) {
                        // prefetch pays on a hot identity; with 10,000 identities every permit is fetched alone
                        if (s.getKey() == Server.PREFETCH && clients != Clients.HOT) {
                            continue;
                        }
                        if (round < 0) {
                            wrk.run(s.getValue().port(), clients, CONNECTIONS, WARMUP_SECONDS);
                            continue;
                        }
                        Sample sample = measure(wrk, s.getValue(), clients, CONNECTIONS, SECONDS, redis);
                        print(s.getKey().label, clients, sample);
                        samples.computeIfAbsent(s.getKey() + " " + clients, k -> new ArrayList<>()).add(sample);
                    }
                }
            }
            for (Clients clients : Clients.values()) {
                rows(report, clients, samples, prefetching == null);
            }
            charts(work, samples, prefetching == null);
            // One connection: the latency a lone client sees (10,000 identities).
            Sample lightOff = measure(wrk, servers.get(Server.OFF), Clients.MANY, 1, SECONDS, redis);
            Sample lightOn = measure(wrk, servers.get(Server.ON), Clients.MANY, 1, SECONDS, redis);
            print("off", Clients.MANY, lightOff);
            print("on", Clients.MANY, lightOn);
            for (String p : List.of("p50", "p99")) {
                long on = p.equals("p50") ? lightOn.load().p50() : lightOn.load().p99();
                long off = p.equals("p50") ? lightOff.load().p50() : lightOff.load().p99();
                boolean isP99 = p.equals("p99");
                report.add("e2e 1 conn, 10,000 identities: " + p + " latency on vs off (added " + Report.millis(on - off) + ")",
                        Report.millis(on), Report.millis(off), Report.ratio(on / (double) off),
                        isP99 ? "added < 1 ms" : "-", isP99 ? Report.yesNo(on - off < 1000) : "-");
            }
            Sample any = samples.get(Server.ON + " " + Clients.MANY).get(0);
            report.command("e2e 16 conn (servers: " + String.join(", ", servers.keySet().stream().map(s -> s.label).toList())
                            + ", each an embedded Tomcat 9 in its own JVM (TomcatServer, -Xmx512m); per round each server in"
                            + " turn, 10,000 identities then hot; " + ROUNDS + " rounds of " + SECONDS + " s after a "
                            + WARMUP_SECONDS + " s warm-up of each; medians; filter timeout and pool-max-wait " + TIMEOUT
                            + "; CPU: the server process' user+system time over the wrk run / requests)",
                    any.load().command() + "   and with `-- hot` for the hot identity");
            report.command("e2e 1 conn", lightOff.load().command());
        } finally {
            for (TomcatProcess server : servers.values()) {
                server.close();
            }
        }
    }

    private static void rows(Report report, Clients clients, Map<String, List<Sample>> samples, boolean prefetchSkipped) {
        List<Sample> off = samples.get(Server.OFF + " " + clients);
        String who = "e2e " + CONNECTIONS + " conn, " + clients.label + ": ";
        double rpsOff = median(off, s -> s.load().requestsPerSecond());
        double cpuOff = median(off, Sample::cpuMicrosPerRequest);
        long p99Off = (long) median(off, s -> s.load().p99());
        for (Server server : List.of(Server.ON, Server.MEMORY, Server.PREFETCH)) {
            List<Sample> on = samples.get(server + " " + clients);
            if (server == Server.PREFETCH) {
                if (clients != Clients.HOT) {
                    continue;
                }
                if (prefetchSkipped) {
                    report.add(who + "requests/s " + server.label + " vs off", Prefetch.unavailable(), Report.perSecond(rpsOff),
                            "-", ">= 0.80", "-");
                    continue;
                }
            }
            double rps = median(on, s -> s.load().requestsPerSecond());
            long errors = 0;
            for (Sample s : on) {
                errors += s.load().socketErrors() + s.load().non2xx();
            }
            String calls = server == Server.MEMORY ? "" : "Redis calls/request "
                    + Report.ratio(median(on, Sample::callsPerRequest)) + ", ";
            boolean prefetch = server == Server.PREFETCH;
            report.add(who + "requests/s " + server.label + " vs off (" + calls + "errors+non-2xx " + errors + ")",
                    Report.perSecond(rps), Report.perSecond(rpsOff), Report.ratio(rps / rpsOff),
                    prefetch ? ">= 0.80" : "-", prefetch ? Report.yesNo(rps / rpsOff >= 0.8) : "-");
            long p99 = (long) median(on, s -> s.load().p99());
            boolean exact = server == Server.ON;
            report.add(who + "p99 latency " + server.label + " vs off (added " + Report.millis(p99 - p99Off) + ")",
                    Report.millis(p99), Report.millis(p99Off), Report.ratio(p99 / (double) p99Off),
                    exact ? "added < 1 ms" : "-", exact ? Report.yesNo(p99 - p99Off < 1000) : "-");
            double cpu = median(on, Sample::cpuMicrosPerRequest);
            report.add(who + "Tomcat CPU per request, " + server.label + " vs off (added " + micros(cpu - cpuOff) + ")",
                    micros(cpu), micros(cpuOff), Report.ratio(cpu / cpuOff),
                    server == Server.MEMORY ? "(issue: +4.5 µs)" : "added <= 10 µs",
                    server == Server.MEMORY ? "-" : Report.yesNo(cpu - cpuOff <= 10));
            if (server != Server.MEMORY) {
                report.add(who + "Redis CPU per script call, " + server.label + " (INFO cpu / commandstats)",
                        micros(median(on, Sample::redisMicrosPerCall)), "-", "-", "(issue: 12–14 µs)", "-");
            }
        }
    }

    private static void charts(Path work, Map<String, List<Sample>> samples, boolean prefetchSkipped) throws IOException {
        List<String> rps = new ArrayList<>();
        List<String> p99 = new ArrayList<>();
        List<String> cpu = new ArrayList<>();
        for (Clients clients : Clients.values()) {
            StringBuilder r = new StringBuilder('"' + clients.label + '"');
            StringBuilder p = new StringBuilder(r);
            StringBuilder c = new StringBuilder(r);
            for (Server server : Server.values()) {
                List<Sample> list = samples.get(server + " " + clients);
                boolean none = list == null || (server == Server.PREFETCH && prefetchSkipped);
                r.append(' ').append(none ? "?" : fmt(median(list, s -> s.load().requestsPerSecond())));
                p.append(' ').append(none ? "?" : fmt(median(list, s -> s.load().p99()) / 1000.0));
                c.append(' ').append(none ? "?" : fmt(median(list, Sample::cpuMicrosPerRequest)));
            }
            rps.add(r.toString());
            p99.add(p.toString());
            cpu.add(c.toString());
        }
        String head = "scenario off on-Redis on-memory on-Redis-prefetch=" + PREFETCH;
        Charts.data(work, "e2e-rps", head, rps);
        Charts.data(work, "e2e-p99", head, p99);
        Charts.data(work, "e2e-cpu", head, cpu);
    }

    static double median(List<Sample> samples, ToDoubleFunction<Sample> value) {
        List<Double> values = new ArrayList<>();
        for (Sample s : samples) {
            values.add(value.applyAsDouble(s));
        }
        Collections.sort(values);
        int n = values.size();
        return n % 2 == 1 ? values.get(n / 2) : (values.get(n / 2 - 1) + values.get(n / 2)) / 2;
    }

    static String micros(double value) {
        return String.format(Locale.ROOT, "%.1f µs", value);
    }

    private static String fmt(double value) {
        return String.format(Locale.ROOT, "%.3f", value);
    }

    static void print(String server, Clients clients, Sample s) {
        Load l = s.load();
        System.out.printf(Locale.ROOT, "[bench] wrk %-34s %-17s c%-3d %,9.0f req/s  p50 %s  p99 %s  CPU %.1f µs/req"
                        + "  Redis calls/req %.2f  errors %d non-2xx %d%n", server, clients.label, l.connections(),
                l.requestsPerSecond(), Report.millis(l.p50()), Report.millis(l.p99()), s.cpuMicrosPerRequest(),
                s.callsPerRequest(), l.socketErrors(), l.non2xx());
    }
}
