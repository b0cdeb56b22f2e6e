package dev.ratelimit.bench;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Tomcat;

import dev.ratelimit.servlet.RateLimitFilter;
import dev.ratelimit.testing.OkServlet;
import dev.ratelimit.testing.TestRedis;
import dev.ratelimit.testing.TestTomcat;

/**
 * Issue 20, scenario 4: a soak. Steady load through an embedded Tomcat with the real filter, every request a
 * client of its own out of {@value #IDENTITIES} (cycled), counted in Redis or in memory. Every 30 s it samples the
 * heap after GC, our threads ({@code ratelimit*}), and for Redis its connections, {@code used_memory} and key
 * count; at the end it checks that they stayed flat and that no request got an answer other than 200. Keys live
 * one window ({@value #WINDOW_SECONDS} s), so the key count is bounded by the identities sent within the last
 * window and a sample interval. Prints a table; exits 1 when a check fails.
 *
 * <pre>java -cp benchmarks.jar dev.ratelimit.bench.Soak [minutes (10)] [redis|memory|both (both)]</pre>
 */
public final class Soak {

    static final int IDENTITIES = 1_000_000;
    static final int WINDOW_SECONDS = 60;
    static final int SAMPLE_SECONDS = 30;
    static final int LOAD_THREADS = 4;
    /** Heap after GC may grow by this much over its value after the first window before it counts as a leak. */
    static final long HEAP_SLACK_BYTES = 32L << 20;

    /** One sample of the leak counters; the Redis ones are -1 with the in-memory store. */
    record Sample(long second, long requests, long heapAfterGc, long ourThreads, long redisConnections,
                  long redisUsedMemory, long redisKeys) {
    }

    private final TestRedis redis;
    private final AtomicLong requests = new AtomicLong();
    private final Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);

    private Soak(TestRedis redis) {
        this.redis = redis;
    }

    public static void main(String[] args) throws Exception {
        double minutes = args.length > 0 ? Double.parseDouble(args[0]) : 10;
        String store = args.length > 1 ? args[1] : "both";
        if (!List.of("redis", "memory", "both").contains(store)) {
            throw new IllegalArgumentException("store: redis, memory or both, not " + store);
        }
        boolean ok = true;
        if (!store.equals("memory")) {
            try (TestRedis redis = TestRedis.start()) {
                ok &= new Soak(redis).run(minutes);
            }
        }
        if (!store.equals("redis")) {
            ok &= new Soak(null).run(minutes);
        }
        System.exit(ok ? 0 : 1);
    }

    private boolean run(double minutes) throws Exception {
        String storeName = redis == null ? "memory" : "redis";
        System.out.printf("[soak] %s: %.1f min, %d load threads, %d identities, limits 100/%ds per identity%n",
                storeName, minutes, LOAD_THREADS, IDENTITIES, WINDOW_SECONDS);
        List<Sample> samples = new ArrayList<>();
        try (TestTomcat tomcat = new TestTomcat(Map.of("maxThreads", "64"))) {
            deploy(tomcat);
            String url = "http://127.0.0.1:" + tomcat.port() + "/soak/x";
            List<Thread> load = startLoad(url);
            long start = System.nanoTime();
            long end = start + (long) (minutes * 60e9);
            samples.add(sample(0));
            while (System.nanoTime() < end) {
                long next = start + samples.size() * SAMPLE_SECONDS * 1_000_000_000L;
                Thread.sleep(Math.max(0, (Math.min(next, end) - System.nanoTime()) / 1_000_000));
                samples.add(sample((System.nanoTime() - start) / 1_000_000_000));
            }
            running.set(false);
            for (Thread thread : load) {
                thread.join(15_000);
            }
        }
        return report(storeName, samples);
    }

    private void deploy(TestTomcat tomcat) {
        StandardContext context = tomcat.codeContext("/soak");
        Tomcat.addServlet(context, "ok", new OkServlet());
        context.addServletMappingDecoded("/*", "ok");
        Map<String, String> params = new TreeMap<>(Map.of("limits", "100/" + WINDOW_SECONDS + "s", "key", "header:X-Client"));
        if (redis != null) {
            params.putAll(Map.of("redis-url", redis.url(), "timeout", "2s", "connect-timeout", "2s", "pool-max-wait", "2s"));
        }
        TestTomcat.addFilter(context, "limit", RateLimitFilter.class.getName(), "/*", params);
        tomcat.deploy(context);
        if (!context.getState().isAvailable()) {
            throw new IllegalStateException("the soak application did not start: " + context.getState());
        }
    }

    private List<Thread> startLoad(String url) {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < LOAD_THREADS; t++) {
            Thread thread = new Thread(() -> {
                while (running.get()) {
                    long n = requests.getAndIncrement();
                    statuses.computeIfAbsent(send(client, url, "id-" + n % IDENTITIES), s -> new LongAdder()).increment();
                }
            }, "soak-load-" + t);
            thread.setDaemon(true);
            thread.start();
            threads.add(thread);
        }
        return threads;
    }

    /** The status, or -1 for no answer within 10 s. */
    private static int send(HttpClient client, String url, String identity) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("X-Client", identity).GET().build();
        try {
            return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        } catch (Exception e) {
            return -1;
        }
    }

    private Sample sample(long second) {
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long threads = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("ratelimit")).count();
        long connections = -1;
        long usedMemory = -1;
        long keys = -1;
        if (redis != null) {
            connections = Arrays.stream(redis.command("CLIENT", "LIST").split("\n"))
                    .filter(line -> line.startsWith("id=") && !line.contains("cmd=client|list")).count();
            usedMemory = infoField(redis.command("INFO", "memory"), "used_memory");
            keys = Long.parseLong(redis.command("DBSIZE").trim());
        }
        Sample sample = new Sample(second, requests.get(), heap, threads, connections, usedMemory, keys);
        System.out.println("[soak] " + sample);
        return sample;
    }

    private static long infoField(String info, String field) {
        return info.lines().filter(line -> line.startsWith(field + ":")).findFirst()
                .map(line -> Long.parseLong(line.substring(field.length() + 1).trim()))
                .orElseThrow(() -> new IllegalStateException("no " + field + " in INFO"));
    }

    /** Prints the table and the checks; true when all hold. */
    private boolean report(String store, List<Sample> samples) {
        System.out.println();
        System.out.printf("| %-6s | %8s | %10s | %10s | %7s | %11s | %12s | %8s | %12s | %6s |%n", "second", "requests",
                "req/s", "heap MB", "threads", "redis conns", "redis mem MB", "keys", "keys bound", "B/key");
        List<String> failures = new ArrayList<>();
        long steadyHeap = -1;
        long steadyConnections = -1;
        Sample steady = null;
        Sample first = samples.get(0);
        for (int i = 0; i < samples.size(); i++) {
            Sample s = samples.get(i);
            Sample previous = i == 0 ? s : samples.get(i - 1);
            long rate = s.second() == previous.second() ? 0 : (s.requests() - previous.requests()) / (s.second() - previous.second());
            // Identities sent within the last window plus one sample interval: keys still alive at most.
            Sample windowStart = samples.get(Math.max(0, i - (WINDOW_SECONDS / SAMPLE_SECONDS + 1)));
            long bound = s.requests() - windowStart.requests() + 10;
            System.out.printf("| %6d | %8d | %10d | %10.1f | %7d | %11s | %12s | %8s | %12s | %6s |%n", s.second(), s.requests(),
                    rate, s.heapAfterGc() / 1048576.0, s.ourThreads(), na(s.redisConnections()),
                    s.redisUsedMemory() < 0 ? "n/a" : String.format("%.1f", s.redisUsedMemory() / 1048576.0),
                    na(s.redisKeys()), redis == null ? "n/a" : Long.toString(bound),
                    redis == null || s.redisKeys() == 0 ? "n/a" : Long.toString(perKey(s, samples.get(0))));
            if (redis != null && s.redisKeys() > bound) {
                failures.add("second " + s.second() + ": " + s.redisKeys() + " keys, more than the " + bound
                        + " identities sent within the window");
            }
            // The state after the first window (every key of the window alive) is the level that must hold.
            if (s.second() >= WINDOW_SECONDS + SAMPLE_SECONDS && steadyHeap < 0) {
                steadyHeap = s.heapAfterGc();
                steadyConnections = s.redisConnections();
                steady = s;
            }
        }
        Sample last = samples.get(samples.size() - 1);
        if (steadyHeap >= 0) {
            if (last.heapAfterGc() > steadyHeap + HEAP_SLACK_BYTES) {
                failures.add("heap after GC grew from " + steadyHeap / 1048576 + " MB to " + last.heapAfterGc() / 1048576 + " MB");
            }
            if (last.redisConnections() > steadyConnections) {
                failures.add("Redis connections grew from " + steadyConnections + " to " + last.redisConnections());
            }
            // Memory follows the live keys, which follow the load's rate: what must stay flat is memory per key.
            if (redis != null && perKey(last, first) > perKey(steady, first) * 3 / 2) {
                failures.add("Redis used_memory per key grew from " + perKey(steady, first) + " to " + perKey(last, first)
                        + " bytes");
            }
        } else {
            System.out.println("[soak] shorter than " + (WINDOW_SECONDS + SAMPLE_SECONDS) + " s: no steady state to compare");
        }
        long maxThreads = samples.stream().mapToLong(Sample::ourThreads).max().orElse(0);
        if (last.ourThreads() > samples.get(1 < samples.size() ? 1 : 0).ourThreads()) {
            failures.add("our threads grew to " + last.ourThreads());
        }
        Map<Integer, Long> perStatus = new TreeMap<>();
        statuses.forEach((status, count) -> perStatus.put(status, count.sum()));
        if (!perStatus.keySet().equals(java.util.Set.of(200))) {
            failures.add("answers other than 200: " + perStatus);
        }
        System.out.println("[soak] " + store + ": answers per status " + perStatus + " (-1: no answer), our threads at most "
                + maxThreads + ", distinct identities sent " + Math.min(last.requests(), IDENTITIES));
        System.out.println("[soak] " + store + ": " + (failures.isEmpty() ? "FLAT, no errors" : "FAILED " + failures));
        System.out.println();
        return failures.isEmpty();
    }

    /** Redis' used_memory above its level before the load, per live key. */
    private static long perKey(Sample s, Sample first) {
        return (s.redisUsedMemory() - first.redisUsedMemory()) / Math.max(1, s.redisKeys());
    }

    private static String na(long value) {
        return value < 0 ? "n/a" : Long.toString(value);
    }
}
