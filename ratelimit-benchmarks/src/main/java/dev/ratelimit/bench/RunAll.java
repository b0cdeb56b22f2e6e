package dev.ratelimit.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import dev.ratelimit.bench.EndToEnd.Load;
import dev.ratelimit.bench.Jmh.Figure;
import dev.ratelimit.bench.RedisMemory.Footprint;
import dev.ratelimit.testing.TestRedis;
import redis.clients.jedis.RedisClient;

/**
 * Everything in one run against one Redis it starts itself (never the machine's 6379): JMH engine
 * benchmarks with their baselines (raw EVALSHA, Bucket4j), blocked-key throughput, the end-to-end load,
 * Redis memory per identity; then one table of ratios. Arguments pick sections: {@code jmh e2e memory}
 * (default: these three), {@code algorithms} (sliding window and concurrency: engine vs raw EVALSHA, sliding-window
 * memory; apart so that the default run stays within run.sh's 600 s) and {@code evidence} (key building, breaker and
 * deny-path prototypes, kept as the evidence behind earlier changes to core). Results also go to
 * {@code <bench.work>/results.md}.
 */
public final class RunAll {

    private static final int[] THREADS = {1, 8, 32};

    private RunAll() {
    }

    public static void main(String[] args) throws Exception {
        long started = System.nanoTime();
        String loadAtStart = machineLoad();
        if (loadAtStart.startsWith("busy")) {
            System.out.println("[bench] WARNING: the machine is " + loadAtStart + " before we start: figures will be noisy");
        }
        Set<String> sections = new HashSet<>(args.length == 0 ? List.of("jmh", "e2e", "memory") : Arrays.asList(args));
        Path work = Path.of(System.getProperty("bench.work", "ratelimit-benchmarks/target/bench-work")).toAbsolutePath();
        Files.createDirectories(work);
        Report report = new Report();
        // A redis-server process (PATH, else embedded-redis' binary), not a container: same as the machine's JVM.
        if (System.getProperty("test.redis") == null && System.getenv("TEST_REDIS") == null) {
            System.setProperty("test.redis", "process");
        }
        TestRedis redis = TestRedis.start();
        System.setProperty(BenchRedis.URL_PROPERTY, redis.url());
        Thread stopper = new Thread(redis::stop, "stop-bench-redis");
        Runtime.getRuntime().addShutdownHook(stopper);
        try {
            if (sections.contains("jmh")) {
                jmh(new Jmh(redis.url(), work), report, work);
            }
            if (sections.contains("algorithms")) {
                algorithms(new Jmh(redis.url(), work), redis, report);
            }
            if (sections.contains("evidence")) {
                evidence(new Jmh(redis.url(), work), report);
            }
            if (sections.contains("e2e")) {
                endToEnd(redis, work, report);
            }
            if (sections.contains("memory")) {
                memory(redis, report);
            }
        } finally {
            redis.stop();
            Runtime.getRuntime().removeShutdownHook(stopper);
        }
        String header = String.format(Locale.ROOT,
                "Run of %s, %d s; machine: %d cores, JDK %s; Redis %s; machine without us at start: %s, at end: %s",
                java.time.LocalDateTime.now().withNano(0), (System.nanoTime() - started) / 1_000_000_000L,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), redis.describe(),
                loadAtStart, machineLoad());
        Files.writeString(work.resolve("results.md"), header + "\n\n" + report.markdown());
        System.out.println();
        System.out.println(header);
        System.out.println(report.text());
        System.out.println("Details and the command of every figure: " + work.resolve("results.md"));
    }

    /** Evidence behind earlier changes to core (key building, breaker cost, deny path): not in the default run. */
    private static void evidence(Jmh jmh, Report report) throws Exception {
        // Key building alone, shipped and prototype.
        for (String limits : List.of(Policies.HUGE, Policies.HUGE_MULTI)) {
            String n = limits.equals(Policies.HUGE) ? "1 limit" : "2 limits";
            Figure core = jmh.run("keys " + n + " (core)", KeyBuildingBench.class, "keysFor", 1, "limits", limits);
            Figure lean = jmh.run("keys " + n + " (prototype)", KeyBuildingBench.class, "leanKeysPrototype", 1, "limits", limits);
            report.add("key building, " + n + ", 1 thr: core vs LeanKeysPrototype",
                    perSecondAndBytes(core), perSecondAndBytes(lean), Report.ratio(core.opsPerSecond() / lean.opsPerSecond()),
                    "(evidence for core)", "-");
            report.command(core.label(), core.command());
            report.command(lean.label(), lean.command());
        }
        // The circuit breaker every Redis call passes (one shared Failsafe breaker per pool).
        for (int threads : new int[] {1, 8}) {
            Figure f = jmh.run("breaker permit+success t" + threads, BreakerBench.class, "permitAndSuccess", threads);
            report.add("circuit breaker permit + success alone, " + threads + " thr", perSecondAndBytes(f), "-", "-",
                    "(evidence for core)", "-");
            report.command(f.label(), f.command());
        }
        Figure lean = jmh.run("deny path prototype t1", DenyPathPrototypeBench.class, "acquire", 1);
        report.add("blocked path with LeanKeysPrototype, 1 thr (prototype)", perSecondAndBytes(lean), "-", "-",
                "(evidence for core)", "-");
        report.command(lean.label(), lean.command());
    }

    /**
     * The sliding window and the concurrency limiter against raw EVALSHA of their own shipped scripts, interleaved per
     * thread count like the default rows, and the sliding window's memory per identity (its log grows with N).
     */
    private static void algorithms(Jmh jmh, TestRedis redis, Report report) throws Exception {
        for (int threads : THREADS) {
            Figure sliding = jmh.run("engine sliding-window t" + threads, RedisEngineBench.class, "acquire", threads,
                    "algorithm", "sliding-window", "limits", Policies.HUGE_SLIDING);
            Figure slidingRaw = jmh.run("raw EVALSHA sliding-window t" + threads, RawEvalshaBench.class, "evalsha", threads,
                    "algorithm", "sliding-window", "limits", Policies.HUGE_SLIDING);
            Figure pair = jmh.run("engine concurrency pair t" + threads, ConcurrencyPairBench.class, "acquireAndRelease",
                    threads);
            Figure pairRaw = jmh.run("raw EVALSHA permit pair t" + threads, RawPermitPairBench.class, "acquireAndRelease",
                    threads);
            double r = sliding.opsPerSecond() / slidingRaw.opsPerSecond();
            report.add("sliding-window '" + Policies.HUGE_SLIDING + "', " + threads + " thr: engine vs raw EVALSHA",
                    perSecondAndBytes(sliding), perSecondAndBytes(slidingRaw), Report.ratio(r), ">= 0.90", Report.yesNo(r >= 0.9));
            double p = pair.opsPerSecond() / pairRaw.opsPerSecond();
            report.add("concurrency acquire+release pair, " + threads + " thr: engine vs raw EVALSHA pair",
                    perSecondAndBytes(pair), perSecondAndBytes(pairRaw), Report.ratio(p), ">= 0.90", Report.yesNo(p >= 0.9));
            for (Figure f : List.of(sliding, slidingRaw, pair, pairRaw)) {
                report.command(f.label(), f.command());
            }
        }
        // One permit per identity, and the log full (N = 10 requests within the hour).
        for (int requests : new int[] {1, 10}) {
            Footprint f = RedisMemory.measure(redis, "sliding-window", "sliding-window", "10/1h", requests);
            System.out.printf("[bench] memory sliding-window '10/1h' after %d request(s): %.0f B/identity (used_memory),"
                    + " MEMORY USAGE %d B, key %s%n", requests, f.perIdentity(), f.memoryUsage(), f.sampleKey());
            report.add("Redis memory per identity, sliding-window '10/1h' after " + requests + " request(s)"
                            + (requests == 10 ? " (log full)" : "") + ": MEMORY USAGE vs used_memory delta",
                    f.memoryUsage() + " B", String.format(Locale.ROOT, "%.0f B", f.perIdentity()), "-",
                    "(grows with N: src/docs/algorithms.md)", "-");
        }
        report.command("Redis memory, sliding-window", "as for the other algorithms, with 1 and with 10 engine requests for"
                + " each of " + Identities.COUNT + " clients (RedisMemory.java)");
    }

    private static void jmh(Jmh jmh, Report report, Path work) throws Exception {
        // In-memory store.
        for (String algorithm : List.of("fixed-window", "token-bucket")) {
            Figure f = jmh.run("in-memory " + algorithm + " t1", InMemoryBench.class, "acquire", 1, "algorithm", algorithm);
            report.add("in-memory store, " + algorithm + ", 1 thr", perSecondAndBytes(f), "-", "-", "-", "-");
            report.command(f.label(), f.command());
        }
        // Redis: ours, the same script raw, and Bucket4j, interleaved per thread count so drift hits all alike.
        Map<String, Figure> byLabel = new HashMap<>();
        for (int threads : THREADS) {
            for (String algorithm : List.of("fixed-window", "token-bucket")) {
                byLabel.put("engine " + algorithm + " t" + threads, jmh.run("engine " + algorithm + " t" + threads,
                        RedisEngineBench.class, "acquire", threads, "algorithm", algorithm, "limits", Policies.huge(algorithm)));
                byLabel.put("raw " + algorithm + " t" + threads, jmh.run("raw EVALSHA " + algorithm + " t" + threads,
                        RawEvalshaBench.class, "evalsha", threads, "algorithm", algorithm, "limits", Policies.huge(algorithm)));
            }
            byLabel.put("bucket4j t" + threads, jmh.run("Bucket4j t" + threads, Bucket4jBench.class, "tryConsume", threads));
        }
        for (int threads : THREADS) {
            for (String algorithm : List.of("fixed-window", "token-bucket")) {
                Figure ours = byLabel.get("engine " + algorithm + " t" + threads);
                Figure raw = byLabel.get("raw " + algorithm + " t" + threads);
                double r = ours.opsPerSecond() / raw.opsPerSecond();
                report.add(algorithm + ", " + threads + " thr: engine vs raw EVALSHA", perSecondAndBytes(ours),
                        perSecondAndBytes(raw), Report.ratio(r), ">= 0.90", Report.yesNo(r >= 0.9));
                report.command(ours.label(), ours.command());
                report.command(raw.label(), raw.command());
            }
            Figure ours = byLabel.get("engine token-bucket t" + threads);
            Figure b4j = byLabel.get("bucket4j t" + threads);
            double r = ours.opsPerSecond() / b4j.opsPerSecond();
            report.add("token-bucket, " + threads + " thr: engine vs Bucket4j-Jedis", perSecondAndBytes(ours),
                    perSecondAndBytes(b4j), Report.ratio(r), ">= 2", Report.yesNo(r >= 2));
            report.command(b4j.label(), b4j.command());
            // What one EVALSHA per decision can reach against Bucket4j's two round trips, without any engine.
            Figure raw = byLabel.get("raw token-bucket t" + threads);
            report.add("token-bucket, " + threads + " thr: raw EVALSHA vs Bucket4j-Jedis (the ceiling of the row above"
                            + " without pipelining)", perSecondAndBytes(raw), perSecondAndBytes(b4j),
                    Report.ratio(raw.opsPerSecond() / b4j.opsPerSecond()), "(evidence)", "-");
        }
        // Pipelining of concurrent calls, on against off, where it matters (many threads, Redis saturated).
        for (int threads : new int[] {8, 32}) {
            Figure on = byLabel.get("engine token-bucket t" + threads);
            Figure off = jmh.run("engine token-bucket t" + threads + " pipelining off", RedisEngineBench.class, "acquire",
                    threads, "algorithm", "token-bucket", "pipelining", "false");
            report.add("token-bucket, " + threads + " thr: engine pipelining on vs off", perSecondAndBytes(on),
                    perSecondAndBytes(off), Report.ratio(on.opsPerSecond() / off.opsPerSecond()), "(evidence for core)", "-");
            report.command(off.label(), off.command());
        }
        // Multi-limit policy (two limits, two keys, one script call).
        Figure multi = jmh.run("engine fixed-window 2 limits t8", RedisEngineBench.class, "acquire", 8,
                "algorithm", "fixed-window", "limits", Policies.HUGE_MULTI);
        Figure multiRaw = jmh.run("raw EVALSHA fixed-window 2 limits t8", RawEvalshaBench.class, "evalsha", 8,
                "algorithm", "fixed-window", "limits", Policies.HUGE_MULTI);
        double mr = multi.opsPerSecond() / multiRaw.opsPerSecond();
        report.add("fixed-window '" + Policies.HUGE_MULTI + "', 8 thr: engine vs raw", perSecondAndBytes(multi),
                perSecondAndBytes(multiRaw), Report.ratio(mr), ">= 0.90", Report.yesNo(mr >= 0.9));
        report.command(multi.label(), multi.command());
        report.command(multiRaw.label(), multiRaw.command());
        // Blocked identities: the local deny cache, against allowed decisions at the same thread count.
        for (String[] run : new String[][] {{"fixed-window", "1"}, {"fixed-window", "8"}, {"token-bucket", "8"}}) {
            int threads = Integer.parseInt(run[1]);
            Figure blocked = jmh.run("blocked " + run[0] + " t" + threads, BlockedKeyBench.class, "acquire", threads,
                    "algorithm", run[0]);
            Figure allowed = byLabel.get("engine " + run[0] + " t" + threads);
            long calls = Long.parseLong(Files.readString(work.resolve("blocked-redis-calls-" + run[0] + ".txt")).trim());
            boolean met = blocked.opsPerSecond() >= 1_000_000 && calls == 0;
            report.add("blocked " + run[0] + ", " + threads + " thr (Redis calls: " + calls + ") vs allowed",
                    perSecondAndBytes(blocked), perSecondAndBytes(allowed),
                    String.format(Locale.ROOT, "%.0fx", blocked.opsPerSecond() / allowed.opsPerSecond()),
                    ">= 1,000,000/s, 0 calls", Report.yesNo(met));
            report.command(blocked.label(), blocked.command());
        }
    }

    private static void endToEnd(TestRedis redis, Path work, Report report) throws Exception {
        if (!EndToEnd.wrkAvailable()) {
            System.out.println("[bench] wrk not on PATH (Debian: apt-get install -y wrk): end-to-end load skipped");
            report.add("end-to-end load", "skipped: no wrk", "-", "-", "-", "-");
            return;
        }
        try (EndToEnd e2e = new EndToEnd(redis.url(), work); RedisClient stats = BenchRedis.rawClient()) {
            e2e.load("/off/x", 2, 16, 5);
            e2e.load("/on/x", 2, 16, 5);
            Load[] off = new Load[2];
            Load[] on = new Load[2];
            long onRequests = 0;
            long onCalls = 0;
            for (int round = 0; round < 2; round++) {
                off[round] = e2e.load("/off/x", 2, 16, 8);
                long before = RedisStats.evalshaCalls(stats);
                on[round] = e2e.load("/on/x", 2, 16, 8);
                onCalls += RedisStats.evalshaCalls(stats) - before;
                onRequests += on[round].requests();
                print(off[round]);
                print(on[round]);
            }
            Load lightOff = e2e.load("/off/x", 1, 1, 6);
            long before = RedisStats.evalshaCalls(stats);
            Load lightOn = e2e.load("/on/x", 1, 1, 6);
            long lightCalls = RedisStats.evalshaCalls(stats) - before;
            print(lightOff);
            print(lightOn);
            double rpsOff = (off[0].requestsPerSecond() + off[1].requestsPerSecond()) / 2;
            double rpsOn = (on[0].requestsPerSecond() + on[1].requestsPerSecond()) / 2;
            long errors = off[0].socketErrors() + off[1].socketErrors() + on[0].socketErrors() + on[1].socketErrors()
                    + off[0].non2xx() + off[1].non2xx() + on[0].non2xx() + on[1].non2xx();
            report.add("e2e 16 conn: requests/s filter on vs off (Redis calls/request "
                            + Report.ratio(onCalls / (double) onRequests) + ", errors+non-2xx " + errors + ")",
                    Report.perSecond(rpsOn), Report.perSecond(rpsOff), Report.ratio(rpsOn / rpsOff), "-", "-");
            for (String p : List.of("p50", "p95", "p99")) {
                long lOn = (pick(on[0], p) + pick(on[1], p)) / 2;
                long lOff = (pick(off[0], p) + pick(off[1], p)) / 2;
                boolean isP99 = p.equals("p99");
                report.add("e2e 16 conn: " + p + " latency on vs off (added " + Report.millis(lOn - lOff) + ")",
                        Report.millis(lOn), Report.millis(lOff), Report.ratio(lOn / (double) lOff),
                        isP99 ? "added < 1 ms" : "-", isP99 ? Report.yesNo(lOn - lOff < 1000) : "-");
            }
            for (String p : List.of("p50", "p99")) {
                long lOn = pick(lightOn, p);
                long lOff = pick(lightOff, p);
                boolean isP99 = p.equals("p99");
                report.add("e2e 1 conn: " + p + " latency on vs off (added " + Report.millis(lOn - lOff) + ")",
                        Report.millis(lOn), Report.millis(lOff), Report.ratio(lOn / (double) lOff),
                        isP99 ? "added < 1 ms" : "-", isP99 ? Report.yesNo(lOn - lOff < 1000) : "-");
            }
            report.add("e2e 1 conn: requests/s filter on vs off (Redis calls/request "
                            + Report.ratio(lightCalls / (double) lightOn.requests()) + ")", Report.perSecond(lightOn.requestsPerSecond()),
                    Report.perSecond(lightOff.requestsPerSecond()),
                    Report.ratio(lightOn.requestsPerSecond() / lightOff.requestsPerSecond()), "-", "-");
            report.command("e2e 16 conn (2 rounds of off then on, after a 5 s warm-up of each; filter timeout and pool-max-wait "
                    + EndToEnd.TIMEOUT + ")",
                    off[0].command() + "   and the same with /on/x");
            report.command("e2e 1 conn", lightOff.command() + "   and the same with /on/x");
        }
    }

    /**
     * How busy the machine is without us: CPU use over 2 s from /proc/stat, prefixed "busy" above 25 %
     * (someone else is running: figures will be noisy).
     */
    private static String machineLoad() {
        try {
            long[] a = cpuTimes();
            Thread.sleep(2000);
            long[] b = cpuTimes();
            double busy = 1 - (double) (b[1] - a[1]) / (b[0] - a[0]);
            return String.format(Locale.ROOT, "%s%.0f%% CPU busy", busy > 0.25 ? "busy, " : "", busy * 100);
        } catch (java.io.IOException | RuntimeException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    /** {total, idle + iowait} jiffies of all CPUs. */
    private static long[] cpuTimes() throws java.io.IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < f.length; i++) {
            total += Long.parseLong(f[i]);
        }
        return new long[] {total, Long.parseLong(f[4]) + Long.parseLong(f[5])};
    }

    private static long pick(Load load, String percentile) {
        switch (percentile) {
            case "p50":
                return load.p50();
            case "p95":
                return load.p95();
            default:
                return load.p99();
        }
    }

    private static void print(Load l) {
        System.out.printf("[bench] wrk %-6s c%-3d %,10.0f req/s  p50 %s  p95 %s  p99 %s  errors %d non-2xx %d%n",
                l.path(), l.connections(), l.requestsPerSecond(), Report.millis(l.p50()), Report.millis(l.p95()),
                Report.millis(l.p99()), l.socketErrors(), l.non2xx());
    }

    private static void memory(TestRedis redis, Report report) {
        for (String[] run : new String[][] {
                // Realistic limits: a nearly full token bucket expires within ms (it equals a missing one).
                {"fixed-window", "10/1h"}, {"token-bucket", "10/1h"}, {"fixed-window", "10/1m, 1000/1h"}}) {
            Footprint f = RedisMemory.measure(redis, run[0], run[0], run[1]);
            double perKey = f.perIdentity() / f.keysPerIdentity();
            System.out.printf("[bench] memory %s '%s': %.0f B/identity (used_memory), MEMORY USAGE %d B, key %s%n",
                    run[0], run[1], f.perIdentity(), f.memoryUsage(), f.sampleKey());
            // The target is judged as the issue states it, by MEMORY USAGE per key (one key per limit); the
            // used_memory delta, which adds Redis' expires entry and hash-table slots, is shown beside it.
            long perIdentityByUsage = f.memoryUsage() * f.keysPerIdentity();
            report.add("Redis memory per identity, " + run[0] + " '" + run[1] + "' (" + f.keysPerIdentity()
                            + " key(s)): MEMORY USAGE vs used_memory delta",
                    perIdentityByUsage + " B (" + f.memoryUsage() + " B/key)",
                    String.format(Locale.ROOT, "%.0f B (%.0f B/key)", f.perIdentity(), perKey), "-",
                    "<= 120 B/key by MEMORY USAGE", Report.yesNo(f.memoryUsage() <= 120));
        }
        report.command("Redis memory", "FLUSHALL, INFO memory used_memory, one engine request for each of "
                + Identities.COUNT + " clients, INFO memory again; MEMORY USAGE <key> SAMPLES 0 (RedisMemory.java)");
    }

    private static String perSecondAndBytes(Figure f) {
        return String.format(Locale.ROOT, "%,.0f/s (%,.0f B/op)", f.opsPerSecond(), f.bytesPerOp());
    }
}
