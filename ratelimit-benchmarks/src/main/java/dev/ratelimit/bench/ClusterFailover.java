package dev.ratelimit.bench;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Tomcat;

import dev.ratelimit.servlet.RateLimitFilter;
import dev.ratelimit.testing.HttpLoad;
import dev.ratelimit.testing.HttpLoad.Answer;
import dev.ratelimit.testing.OkServlet;
import dev.ratelimit.testing.RedisProcess;
import dev.ratelimit.testing.TestRedisCluster;
import dev.ratelimit.testing.TestTomcat;

/**
 * Issue 20, scenario 1 under full load: a Redis Cluster of 3 masters and 3 replicas ({@code cluster-node-timeout}
 * 1000 ms, {@code cluster-require-full-coverage no}) behind an embedded Tomcat with the real filter on
 * {@code redis-cluster}, loaded by {@value #LOAD_THREADS} client threads over {@value #IDENTITIES} identities;
 * a third of the way in, master 0 is killed (SIGKILL). Thread {@code t} sends the identities whose keys live on
 * master {@code t % 3}, so the killed master's answers can be told apart. Prints a table: requests per second
 * before, during (until the killed master's identities are back on Redis) and after, answers per status, worst
 * latency, the time until those identities are counted in Redis again, increments lost by the failover (counted
 * answers minus the promoted replica's counters) and the breaker states seen. Exits 1 on an answer other than
 * 200, a hung client, or identities not back on Redis by the end.
 *
 * <pre>java -cp benchmarks.jar dev.ratelimit.bench.ClusterFailover [seconds (60)]</pre>
 */
public final class ClusterFailover {

    static final int LOAD_THREADS = 32;
    static final int IDENTITIES = 3_000;
    static final int NODE_TIMEOUT_MILLIS = 1_000;
    private static final Pattern IDENTITY_IN_KEY = Pattern.compile("(id-\\d+)}");
    private static final MBeanServer MBEANS = ManagementFactory.getPlatformMBeanServer();

    private ClusterFailover() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        if (seconds < 20) {
            throw new IllegalArgumentException("seconds: at least 20 (a failover takes a few), not " + seconds);
        }
        System.exit(run(seconds) ? 0 : 1);
    }

    private static boolean run(int seconds) throws Exception {
        try (TestRedisCluster cluster = TestRedisCluster.startWithReplicas(NODE_TIMEOUT_MILLIS, false);
             TestTomcat tomcat = new TestTomcat(Map.of("maxThreads", "200", "maxConnections", "1000"))) {
            // chaos.sh's timeout ends this JVM with SIGTERM: the redis-server processes must not outlive it.
            Runtime.getRuntime().addShutdownHook(new Thread(cluster::close, "cluster-failover-stop"));
            deploy(tomcat, cluster);
            String url = "http://127.0.0.1:" + tomcat.port() + "/cluster/x";
            for (int i = 0; i < IDENTITIES; i++) {
                int status = tomcat.get("/cluster/x", "X-Client", "id-" + i).statusCode();
                if (status != 200) {
                    throw new IllegalStateException("warm-up request for id-" + i + " answered " + status);
                }
            }
            // Which master holds each identity's counter; the killed master's keys, to read on its replica later.
            List<List<String>> identitiesOf = new ArrayList<>();
            List<String> killedKeys = new ArrayList<>();
            for (int m = 0; m < 3; m++) {
                List<String> identities = new ArrayList<>();
                for (String key : cluster.masters().get(m).command("KEYS", "*").split("\n")) {
                    Matcher identity = IDENTITY_IN_KEY.matcher(key);
                    if (identity.find()) {
                        identities.add(identity.group(1));
                        if (m == 0) {
                            killedKeys.add(key.trim());
                        }
                    }
                }
                identitiesOf.add(identities);
            }
            System.out.printf("[cluster] 3 masters + 3 replicas on %s, cluster-node-timeout %d ms, cluster-require-full-coverage no;"
                            + " %d client threads, identities per master %s; master 0 killed at %d s of %d s%n", cluster.seeds(),
                    NODE_TIMEOUT_MILLIS, LOAD_THREADS, identitiesOf.stream().map(List::size).collect(Collectors.toList()),
                    seconds / 3, seconds);

            AtomicLongArray next = new AtomicLongArray(LOAD_THREADS);
            HttpLoad load = new HttpLoad(LOAD_THREADS, t -> url, t -> {
                List<String> own = identitiesOf.get(t % 3);
                return own.get((int) (next.getAndIncrement(t) % own.size()));
            });
            ObjectName control = MBEANS.queryNames(new ObjectName("dev.ratelimit:type=Control,*"), null).iterator().next();
            Map<String, Long> breakerStatesSeen = new LinkedHashMap<>();
            long killAt = seconds * 1000L / 3;
            long end = seconds * 1000L;
            long killedAt = -1;
            long promotedAt = -1;
            while (load.now() < end) {
                if (killedAt < 0 && load.now() >= killAt) {
                    cluster.masters().get(0).kill();
                    killedAt = load.now();
                }
                if (killedAt >= 0 && promotedAt < 0 && cluster.replicas().get(0).command("ROLE").startsWith("master")
                        && cluster.stateOk()) {
                    promotedAt = load.now();
                }
                String states = String.join("; ", (String[]) MBEANS.getAttribute(control, "BreakerStates"));
                breakerStatesSeen.putIfAbsent(states, load.now());
                Thread.sleep(100);
            }
            String breakersAtEnd = String.join("; ", (String[]) MBEANS.getAttribute(control, "BreakerStates"));
            List<String> stuck = load.stop(HttpLoad.REQUEST_TIMEOUT.plusSeconds(5));
            return report(load.answers(), stuck, killedAt, promotedAt, end, breakerStatesSeen, breakersAtEnd,
                    lostIncrements(cluster.replicas().get(0), killedKeys, load.answers()));
        }
    }

    private static void deploy(TestTomcat tomcat, TestRedisCluster cluster) {
        StandardContext context = tomcat.codeContext("/cluster");
        Tomcat.addServlet(context, "ok", new OkServlet());
        context.addServletMappingDecoded("/*", "ok");
        // Every other setting at its default, as in ClusterMasterKilledTest: timeout, breaker-failures, breaker-open.
        TestTomcat.addFilter(context, "limit", RateLimitFilter.class.getName(), "/*", Map.of("redis-cluster", cluster.seeds(),
                "limits", "1000000/1h", "key", "header:X-Client", "failure-mode", "open"));
        tomcat.deploy(context);
        if (!context.getState().isAvailable()) {
            throw new IllegalStateException("the cluster application did not start: " + context.getState());
        }
    }

    /**
     * Increments Redis acknowledged for the killed master's identities (counted answers, plus one warm-up request
     * each) minus the sum of their counters on the promoted replica: what asynchronous replication lost (negative:
     * requests counted by Redis whose answer came from the failure mode, as after a timeout).
     */
    private static String lostIncrements(RedisProcess promoted, List<String> keys, List<Answer> all) {
        long acknowledged = keys.size() + all.stream().filter(a -> a.thread() % 3 == 0 && a.counted()).count();
        long held = 0;
        for (String key : keys) {
            String value = promoted.command("GET", key).trim();
            if (!value.equals("(nil)")) {
                held += Long.parseLong(value);
            }
        }
        return (acknowledged - held) + " (acknowledged " + acknowledged + ", on the promoted replica " + held + ")";
    }

    private static boolean report(List<Answer> all, List<String> stuck, long killedAt, long promotedAt, long end,
                                  Map<String, Long> breakerStatesSeen, String breakersAtEnd, String lost) {
        List<Answer> onKilled = all.stream().filter(a -> a.thread() % 3 == 0)
                .sorted((a, b) -> Long.compare(a.startMillis(), b.startMillis())).collect(Collectors.toList());
        List<Answer> healthy = all.stream().filter(a -> a.thread() % 3 != 0).collect(Collectors.toList());
        // Back on Redis: the start of the last run of counted answers that lasts to the end (as ClusterMasterKilledTest).
        long backAt = -1;
        for (int i = onKilled.size() - 1; i >= 0 && onKilled.get(i).counted(); i--) {
            backAt = onKilled.get(i).startMillis();
        }
        long duringEnd = backAt < 0 ? end : backAt;
        System.out.println();
        System.out.printf("| %-34s | %12s | %9s | %-24s | %14s | %22s | %20s |%n", "phase", "requests", "req/s", "answers per status",
                "worst latency", "killed master's: Redis", "healthy: not by Redis");
        phase("before the kill", all, 0, killedAt);
        phase("kill until back on Redis", all, killedAt, duringEnd);
        phase("after", all, duringEnd, end + HttpLoad.REQUEST_TIMEOUT.toMillis());
        System.out.println();
        long firstUncounted = onKilled.stream().filter(a -> !a.counted() && a.startMillis() >= killedAt)
                .mapToLong(Answer::startMillis).min().orElse(-1);
        System.out.printf("[cluster] answers per status %s, worst latency %d ms, requests %d (%d on the killed master's identities)%n",
                HttpLoad.perStatus(all), HttpLoad.worstLatency(all), all.size(), onKilled.size());
        System.out.printf("[cluster] killed master's identities: first on the failure mode %s after the kill, replica promoted"
                        + " and cluster ok %s, back on Redis %s after the kill (%d answers not decided by Redis)%n",
                ms(firstUncounted, killedAt), ms(promotedAt, killedAt), ms(backAt, killedAt),
                onKilled.stream().filter(a -> !a.counted()).count());
        System.out.printf("[cluster] healthy masters' identities: %d requests, %d not decided by Redis%n", healthy.size(),
                healthy.stream().filter(a -> !a.counted()).count());
        System.out.printf("[cluster] lost increments on the killed master's identities: %s%n", lost);
        breakerStatesSeen.forEach((states, at) -> System.out.printf("[cluster] breakers from %s: %s%n",
                killedAt >= 0 && at >= killedAt ? ms(at, killedAt) + " after the kill" : at + " ms (before the kill)", states));
        System.out.printf("[cluster] breakers at the end: %s%n", breakersAtEnd);

        List<String> failures = new ArrayList<>();
        if (!stuck.isEmpty()) {
            failures.add("client threads hung: " + stuck);
        }
        if (!HttpLoad.perStatus(all).keySet().equals(Set.of(200))) {
            failures.add("answers other than 200: " + HttpLoad.perStatus(all));
        }
        if (backAt < 0 || killedAt < 0) {
            failures.add("the killed master's identities were not back on Redis by the end");
        }
        System.out.println("[cluster] " + (failures.isEmpty() ? "OK" : "FAILED " + failures));
        return failures.isEmpty();
    }

    private static void phase(String name, List<Answer> all, long from, long to) {
        List<Answer> in = all.stream().filter(a -> a.startMillis() >= from && a.startMillis() < to).collect(Collectors.toList());
        long lastStart = in.stream().mapToLong(Answer::startMillis).max().orElse(from);
        long length = Math.max(1, Math.min(to, lastStart + 1) - from);
        List<Answer> killed = in.stream().filter(a -> a.thread() % 3 == 0).collect(Collectors.toList());
        List<Answer> healthy = in.stream().filter(a -> a.thread() % 3 != 0).collect(Collectors.toList());
        System.out.printf("| %-34s | %12d | %9d | %-24s | %11d ms | %22s | %20s |%n", name + " (" + length + " ms)", in.size(),
                in.size() * 1000L / length, new TreeMap<>(HttpLoad.perStatus(in)), HttpLoad.worstLatency(in),
                killed.stream().filter(Answer::counted).count() + " of " + killed.size(),
                healthy.stream().filter(a -> !a.counted()).count() + " of " + healthy.size());
    }

    private static String ms(long at, long origin) {
        return at < 0 || origin < 0 ? "n/a" : (at - origin) + " ms";
    }
}
