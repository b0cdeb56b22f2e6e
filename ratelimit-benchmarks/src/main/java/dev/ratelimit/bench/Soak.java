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
 * window and a sample interval, plus the keys past their TTL that Redis has not reclaimed yet (its active expiry
 * works through expired keys a slice at a time, and {@code DBSIZE} counts them until then). That expiry lag is
 * measured at every sample ({@code INFO stats} {@code expired_keys} against the requests sent up to a window
 * ago) and must stay within {@value #MAX_EXPIRY_LAG_SECONDS} s; a key without a TTL, or with a TTL beyond its
 * window, is a leak ({@code INFO keyspace}, and {@value #TTL_SAMPLE} keys per sample by {@code RANDOMKEY} and
 * {@code PTTL}). Prints a table; exits 1 when a check fails.
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
    /** Keys whose TTL is checked per sample (RANDOMKEY, PTTL). */
    static final int TTL_SAMPLE = 200;
    /** How long after its TTL a key may still be counted by DBSIZE before Redis' expiry counts as falling behind. */
    static final int MAX_EXPIRY_LAG_SECONDS = WINDOW_SECONDS;
    /** RANDOMKEY and PTTL, TTL_SAMPLE times, in one round trip: the PTTL of each key found. */
    private static final String PTTL_SAMPLE_SCRIPT = "local r = {} for i = 1, tonumber(ARGV[1]) do"
            + " local k = redis.call('RANDOMKEY') if k then r[#r + 1] = redis.call('PTTL', k) end end return r";

    /** One sample of the leak counters; the Redis ones are -1 (ttl: null) with the in-memory store. */
    record Sample(long second, long requests, long heapAfterGc, long ourThreads, long redisConnections,
                  long redisUsedMemory, long redisKeys, long expiredKeys, long keysWithoutTtl, TtlSample ttl) {
    }

    /** The PTTL of {@link #TTL_SAMPLE} random keys: how many had none (-1), how many one beyond the window. */
    record TtlSample(int keys, int withoutTtl, int beyondWindow, long maxMillis) {
        static TtlSample of(String reply) {
            int keys = 0;
            int without = 0;
            int beyond = 0;
            long max = -1;
            for (String line : reply.split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                long pttl = Long.parseLong(line.trim());
                keys++;
                if (pttl == -1) {
                    without++;
                } else if (pttl > WINDOW_SECONDS * 1000L) {
                    beyond++;
                }
                max = Math.max(max, pttl);
            }
            return new TtlSample(keys, without, beyond, max);
        }
    }

    private final TestRedis redis;
    private final AtomicLong requests = new AtomicLong();
    private final Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    /** Requests sent by each second of the run (index: seconds since the load started). */
    private final List<Long> requestsBySecond = new java.util.concurrent.CopyOnWriteArrayList<>();

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
            startTimeline(start);
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

    /** Records the request count once a second, to tell which keys' TTL has passed at each sample. */
    private void startTimeline(long start) {
        Thread thread = new Thread(() -> {
            while (running.get()) {
                requestsBySecond.add(requests.get());
                long next = start + requestsBySecond.size() * 1_000_000_000L;
                try {
                    Thread.sleep(Math.max(0, (next - System.nanoTime()) / 1_000_000));
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "soak-timeline");
        thread.setDaemon(true);
        thread.start();
    }

    /** Requests sent by that second of the run (0 before it began). */
    private long requestsBy(long second) {
        if (second < 0 || requestsBySecond.isEmpty()) {
            return 0;
        }
        return requestsBySecond.get((int) Math.min(second, requestsBySecond.size() - 1));
    }

    /**
     * Keys whose TTL has passed by this sample but that Redis has not reclaimed yet: every request is a new
     * key (an identity comes round again only after more than a window at these rates), so the keys created
     * up to a window ago are due, and {@code expired_keys} counts those Redis has reclaimed.
     */
    private long unreclaimed(Sample s) {
        return Math.max(0, requestsBy(s.second() - WINDOW_SECONDS) - s.expiredKeys());
    }

    /** Seconds by which Redis' expiry trails the keys' TTLs: the oldest key not reclaimed expired that long ago. */
    private long expiryLagSeconds(Sample s) {
        if (unreclaimed(s) == 0) {
            return 0;
        }
        long reclaimedUpTo = 0;
        while (reclaimedUpTo < requestsBySecond.size() && requestsBy(reclaimedUpTo) < s.expiredKeys()) {
            reclaimedUpTo++;
        }
        return Math.max(0, s.second() - WINDOW_SECONDS - reclaimedUpTo);
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
        long expired = -1;
        long withoutTtl = -1;
        TtlSample ttl = null;
        if (redis != null) {
            connections = Arrays.stream(redis.command("CLIENT", "LIST").split("\n"))
                    .filter(line -> line.startsWith("id=") && !line.contains("cmd=client|list")).count();
            usedMemory = infoField(redis.command("INFO", "memory"), "used_memory");
            keys = Long.parseLong(redis.command("DBSIZE").trim());
            expired = infoField(redis.command("INFO", "stats"), "expired_keys");
            withoutTtl = keysWithoutTtl(redis.command("INFO", "keyspace"));
            ttl = TtlSample.of(redis.command("EVAL", PTTL_SAMPLE_SCRIPT, "0", String.valueOf(TTL_SAMPLE)));
        }
        Sample sample = new Sample(second, requests.get(), heap, threads, connections, usedMemory, keys, expired,
                withoutTtl, ttl);
        System.out.println("[soak] " + sample);
        return sample;
    }

    private static long infoField(String info, String field) {
        return info.lines().filter(line -> line.startsWith(field + ":")).findFirst()
                .map(line -> Long.parseLong(line.substring(field.length() + 1).trim()))
                .orElseThrow(() -> new IllegalStateException("no " + field + " in INFO"));
    }

    /** {@code keys} minus {@code expires} of db0 in {@code INFO keyspace} (0 when empty). */
    private static long keysWithoutTtl(String info) {
        return info.lines().filter(line -> line.startsWith("db0:")).findFirst().map(line -> {
            long keys = 0;
            long expires = 0;
            for (String field : line.substring(4).trim().split(",")) {
                String[] kv = field.split("=");
                if (kv[0].equals("keys")) {
                    keys = Long.parseLong(kv[1]);
                } else if (kv[0].equals("expires")) {
                    expires = Long.parseLong(kv[1]);
                }
            }
            return keys - expires;
        }).orElse(0L);
    }

    /** Prints the table and the checks; true when all hold. */
    private boolean report(String store, List<Sample> samples) {
        System.out.println();
        System.out.printf("| %-6s | %8s | %7s | %7s | %7s | %5s | %8s | %8s | %8s | %9s | %8s | %5s | %9s | %6s | %-14s |%n",
                "second", "requests", "req/s", "heap MB", "threads", "conns", "mem MB", "keys", "bound", "expired",
                "past TTL", "lag s", "bound+pst", "B/key", "TTL sample");
        List<String> failures = new ArrayList<>();
        long steadyHeap = -1;
        long steadyConnections = -1;
        long worstLag = 0;
        Sample steady = null;
        Sample first = samples.get(0);
        for (int i = 0; i < samples.size(); i++) {
            Sample s = samples.get(i);
            Sample previous = i == 0 ? s : samples.get(i - 1);
            long rate = s.second() == previous.second() ? 0 : (s.requests() - previous.requests()) / (s.second() - previous.second());
            // Identities sent within the last window plus one sample interval: keys still alive at most.
            Sample windowStart = samples.get(Math.max(0, i - (WINDOW_SECONDS / SAMPLE_SECONDS + 1)));
            long bound = s.requests() - windowStart.requests() + 10;
            if (redis == null) {
                System.out.printf("| %6d | %8d | %7d | %7.1f | %7d | %5s | %8s | %8s | %8s | %9s | %8s | %5s | %9s | %6s | %-14s |%n",
                        s.second(), s.requests(), rate, s.heapAfterGc() / 1048576.0, s.ourThreads(), "n/a", "n/a", "n/a",
                        "n/a", "n/a", "n/a", "n/a", "n/a", "n/a", "n/a");
            } else {
                long pastTtl = unreclaimed(s);
                long lag = expiryLagSeconds(s);
                worstLag = Math.max(worstLag, lag);
                TtlSample ttl = s.ttl();
                System.out.printf("| %6d | %8d | %7d | %7.1f | %7d | %5d | %8.1f | %8d | %8d | %9d | %8d | %5d | %9d | %6s | %-14s |%n",
                        s.second(), s.requests(), rate, s.heapAfterGc() / 1048576.0, s.ourThreads(), s.redisConnections(),
                        s.redisUsedMemory() / 1048576.0, s.redisKeys(), bound, s.expiredKeys(), pastTtl, lag, bound + pastTtl,
                        s.redisKeys() == 0 ? "n/a" : Long.toString(perKey(s, first)),
                        ttl.keys() + "/" + ttl.withoutTtl() + "/" + ttl.beyondWindow() + "/" + (ttl.maxMillis() < 0 ? "-" : ttl.maxMillis() / 1000 + "s"));
                // Past their TTL but not reclaimed yet: counted by DBSIZE, not alive. The lag itself is bounded below.
                if (s.redisKeys() > bound + pastTtl) {
                    failures.add("second " + s.second() + ": " + s.redisKeys() + " keys, more than the " + bound
                            + " identities sent within the window and the " + pastTtl + " keys past their TTL");
                }
                if (lag > MAX_EXPIRY_LAG_SECONDS) {
                    failures.add("second " + s.second() + ": Redis reclaims keys " + lag + " s after their TTL (at most "
                            + MAX_EXPIRY_LAG_SECONDS + " s)");
                }
                if (s.keysWithoutTtl() > 0 || ttl.withoutTtl() > 0 || ttl.beyondWindow() > 0) {
                    failures.add("second " + s.second() + ": keys without a TTL or with one beyond the window (INFO keyspace: "
                            + s.keysWithoutTtl() + " without; sample of " + ttl.keys() + ": " + ttl.withoutTtl() + " without, "
                            + ttl.beyondWindow() + " beyond " + WINDOW_SECONDS + " s)");
                }
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
        if (redis != null) {
            System.out.println("[soak] " + store + ": columns: bound = identities sent within the window and a sample interval;"
                    + " expired = INFO stats expired_keys; past TTL = keys created a window ago or earlier minus expired"
                    + " (counted by DBSIZE, not alive); lag s = how long ago the oldest of them expired (worst " + worstLag
                    + " s); TTL sample = keys / without TTL / TTL beyond " + WINDOW_SECONDS + " s / longest TTL (RANDOMKEY, PTTL)");
        }
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
