package dev.ratelimit.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

import com.sun.management.OperatingSystemMXBean;

/**
 * The application server's CPU per request with the filter on and off: this JVM (Tomcat, the filter,
 * Jedis) measured over each wrk run of the {@link EndToEnd} setup, divided by the requests wrk counted.
 * wrk and Redis are other processes and not counted.
 *
 * <pre>
 * java -cp ratelimit-benchmarks/target/benchmarks.jar dev.ratelimit.bench.FilterCpu redis://127.0.0.1:PORT [connections] [seconds] [rounds]
 * </pre>
 */
public final class FilterCpu {

    private FilterCpu() {
    }

    public static void main(String[] args) throws Exception {
        String redisUrl = args[0];
        int connections = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        Path work = Files.createTempDirectory("filter-cpu");
        try (EndToEnd server = new EndToEnd(redisUrl, work)) {
            server.load("/off/x", 2, connections, 5);
            server.load("/on/x", 2, connections, 5);
            double[] sums = new double[2];
            for (int round = 0; round < rounds; round++) {
                String[] paths = {"/off/x", "/on/x"};
                for (int i = 0; i < paths.length; i++) {
                    long cpu = os.getProcessCpuTime();
                    EndToEnd.Load load = server.load(paths[i], 2, connections, seconds);
                    double micros = (os.getProcessCpuTime() - cpu) / 1e3 / load.requests();
                    sums[i] += micros;
                    System.out.printf("%s c=%d: %.0f req/s, p99 %d µs, non-2xx %d, %.1f µs CPU per request%n", paths[i],
                            connections, load.requestsPerSecond(), load.p99(), load.non2xx(), micros);
                }
            }
            System.out.printf("filter on - off: %.1f µs CPU per request (mean of %d rounds)%n",
                    (sums[1] - sums[0]) / rounds, rounds);
        }
    }
}
