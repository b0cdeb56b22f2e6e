package dev.ratelimit.bench;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import com.sun.management.OperatingSystemMXBean;

import redis.clients.jedis.RedisClient;

/**
 * CPU spent per decision, by this JVM and by the Redis server together, for the engine, the raw EVALSHA
 * loop and Bucket4j at one thread count: the cost each puts on a machine, which stays comparable when
 * other processes share the cores (throughput then does not). On a machine where the decisions saturate
 * the CPU, throughput is at most cores / (JVM + Redis CPU per decision).
 *
 * <pre>
 * java -cp ratelimit-benchmarks/target/benchmarks.jar -Dbench.redis.url=redis://127.0.0.1:PORT \
 *     dev.ratelimit.bench.CpuPerDecision engine|raw|bucket4j THREADS [algorithm] [warm-up s] [measure s]
 * </pre>
 * The Redis server must serve this run alone (its {@code INFO cpu} is read before and after).
 */
public final class CpuPerDecision {

    private CpuPerDecision() {
    }

    /** One decision per call, on the calling thread's own cursor. */
    interface Subject {
        void decide(Identities.Cursor cursor);
    }

    public static void main(String[] args) throws Exception {
        String subject = args[0];
        int threads = Integer.parseInt(args[1]);
        String algorithm = args.length > 2 ? args[2] : "token-bucket";
        long warmUpSeconds = args.length > 3 ? Long.parseLong(args[3]) : 10;
        long measureSeconds = args.length > 4 ? Long.parseLong(args[4]) : 10;
        List<Runnable> tearDowns = new ArrayList<>();
        Subject decide = subject(subject, algorithm, tearDowns);
        LongAdder done = new LongAdder();
        long stopAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmUpSeconds + measureSeconds);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> {
                Identities.Cursor cursor = new Identities.Cursor();
                while (System.nanoTime() < stopAt) {
                    decide.decide(cursor);
                    done.increment();
                }
            }, "decider-" + t);
            workers.add(worker);
            worker.start();
        }
        Thread.sleep(TimeUnit.SECONDS.toMillis(warmUpSeconds));
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (RedisClient info = BenchRedis.rawClient()) {
            long ops0 = done.sum();
            long cpu0 = os.getProcessCpuTime();
            double redis0 = redisCpuSeconds(info);
            long t0 = System.nanoTime();
            Thread.sleep(TimeUnit.SECONDS.toMillis(measureSeconds) - 200);
            long ops = done.sum() - ops0;
            long cpu = os.getProcessCpuTime() - cpu0;
            double redis = redisCpuSeconds(info) - redis0;
            long elapsed = System.nanoTime() - t0;
            for (Thread worker : workers) {
                worker.join();
            }
            double jvmMicros = cpu / 1e3 / ops;
            double redisMicros = redis * 1e6 / ops;
            System.out.printf("%s %s t=%d: %.0f/s, JVM %.1f µs + Redis %.1f µs = %.1f µs CPU per decision%n",
                    subject, algorithm, threads, ops * 1e9 / elapsed, jvmMicros, redisMicros, jvmMicros + redisMicros);
        } finally {
            for (Runnable tearDown : tearDowns) {
                tearDown.run();
            }
        }
    }

    private static Subject subject(String name, String algorithm, List<Runnable> tearDowns) {
        switch (name) {
            case "engine": {
                RedisEngineBench bench = new RedisEngineBench();
                bench.algorithm = algorithm;
                bench.limits = Policies.HUGE;
                bench.pipelining = System.getProperty("bench.pipelining", "true");
                bench.setUp();
                tearDowns.add(bench::tearDown);
                return bench::acquire;
            }
            case "raw": {
                RawEvalshaBench bench = new RawEvalshaBench();
                bench.algorithm = algorithm;
                bench.limits = Policies.HUGE;
                bench.setUp();
                tearDowns.add(bench::tearDown);
                return bench::evalsha;
            }
            case "bucket4j": {
                Bucket4jBench bench = new Bucket4jBench();
                bench.setUp();
                tearDowns.add(bench::tearDown);
                return bench::tryConsume;
            }
            default:
                throw new IllegalArgumentException("engine, raw or bucket4j, was " + name);
        }
    }

    private static double redisCpuSeconds(RedisClient client) {
        double seconds = 0;
        for (String line : client.info("cpu").split("\r?\n")) {
            if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
                seconds += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        return seconds;
    }
}
