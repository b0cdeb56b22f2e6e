package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import javax.management.ObjectName;

import org.apache.catalina.Context;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.ratelimit.testing.HttpLoad;
import dev.ratelimit.testing.HttpLoad.Answer;
import dev.ratelimit.testing.OkServlet;
import dev.ratelimit.testing.TestRedisExtension;

/**
 * Issue 20, scenario 5: an application is deployed and undeployed again and again in one embedded Tomcat while
 * four threads send requests to it, with every feature that owns a thread or a connection switched on: Redis
 * counting, a policy file ({@code ratelimit.config-file}, watched), live overrides (a Redis subscription), a
 * concurrency filter (lease renewer) and JMX. Afterwards nothing of ours may be left: no thread named
 * {@code ratelimit-*}, no Redis connection, no MBean in {@code dev.ratelimit}, and no web application class
 * loader reachable after GC. {@code mvn verify} runs {@value #DEFAULT_REDEPLOYS} redeploys; more with
 * {@code -Dredeploys=50} ({@code ratelimit-benchmarks/chaos.sh redeploy}). Prints {@code [redeploy]} lines.
 */
class RedeployUnderLoadTest {

    static final int DEFAULT_REDEPLOYS = 10;

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    @TempDir
    Path dir;

    @Test
    void redeploying_under_load_leaves_no_thread_connection_mbean_or_class_loader_behind() throws Exception {
        int redeploys = Integer.getInteger("redeploys", DEFAULT_REDEPLOYS);
        Path policyFile = dir.resolve("ratelimit-policies.properties");
        Files.write(policyFile, "limit.limits=1000000/1h\n".getBytes(StandardCharsets.UTF_8));

        try (EmbeddedTomcat tomcat = new EmbeddedTomcat()) {
            Set<String> threadsBefore = threadNames();
            long connectionsBefore = redisClients();
            Set<String> mbeansBefore = ourMBeans();
            List<WeakReference<ClassLoader>> loaders = new ArrayList<>();
            AtomicLong clients = new AtomicLong();
            HttpLoad load = new HttpLoad(4, t -> "http://127.0.0.1:" + tomcat.port() + "/redeploy/x",
                    t -> "client-" + clients.incrementAndGet() % 1000);
            long started = System.nanoTime();
            List<Answer> whileDeployed = new ArrayList<>();
            Set<String> oursSeen = new TreeSet<>();
            for (int i = 0; i < redeploys; i++) {
                loaders.add(deployServeAndUndeploy(tomcat, policyFile, load, whileDeployed, oursSeen));
            }
            List<String> stuck = load.stop(Duration.ofSeconds(20));
            long loopMillis = (System.nanoTime() - started) / 1_000_000;
            List<Answer> answers = load.answers();

            long connectionsAfter = awaitAtMost(connectionsBefore, RedeployUnderLoadTest::redisClients);
            Set<String> leftThreads = awaitNoNew(threadsBefore);
            long liveLoaders = awaitCollected(loaders);
            Set<String> leftMBeans = new TreeSet<>(ourMBeans());
            leftMBeans.removeAll(mbeansBefore);

            System.out.println("[redeploy] redeploys " + redeploys + " in " + loopMillis + " ms, requests " + answers.size()
                    + ", answers per status " + HttpLoad.perStatus(answers) + ", counted by the limiter "
                    + answers.stream().filter(Answer::counted).count() + ", worst latency "
                    + HttpLoad.worstLatency(answers) + " ms");
            System.out.println("[redeploy] while deployed: " + whileDeployed.size() + " requests, per status "
                    + HttpLoad.perStatus(whileDeployed));
            System.out.println("[redeploy] our threads seen while deployed: " + oursSeen);
            System.out.println("[redeploy] left behind: threads " + leftThreads + ", Redis connections "
                    + (connectionsAfter - connectionsBefore) + ", MBeans " + leftMBeans + ", class loaders "
                    + liveLoaders + " of " + loaders.size());

            assertThat(stuck).as("load threads that hung").isEmpty();
            // Between deployments Tomcat answers 404 (no context) or 503 (context stopping or starting) by itself.
            assertThat(answers).as("every request answered: 200 by the application, or Tomcat's own 404/503")
                    .allMatch(a -> a.status() == 200 || (a.status() == 404 || a.status() == 503) && !a.counted());
            assertThat(whileDeployed).as("requests while the application was deployed").isNotEmpty()
                    .allMatch(a -> a.status() == 200 && a.counted());
            assertThat(oursSeen).as("the features that own threads were running")
                    .anyMatch(name -> name.startsWith("ratelimit-policy-file-"))
                    .contains("ratelimit-lease-renewer", "ratelimit-overrides-subscriber");
            assertThat(leftThreads.stream().filter(name -> name.startsWith("ratelimit")))
                    .as("our threads left after %d redeploys", redeploys).isEmpty();
            assertThat(connectionsAfter).as("Redis connections left").isLessThanOrEqualTo(connectionsBefore);
            assertThat(leftMBeans).as("MBeans left in dev.ratelimit").isEmpty();
            assertThat(liveLoaders).as("web application class loaders still reachable after GC").isZero();
        }
    }

    /**
     * One round: deploy, wait until the load gets counted answers from it, note them, undeploy. Returns a weak
     * reference to the round's class loader; no strong reference to the context survives this method.
     */
    private static WeakReference<ClassLoader> deployServeAndUndeploy(EmbeddedTomcat tomcat, Path policyFile, HttpLoad load,
                                                                     List<Answer> whileDeployed, Set<String> oursSeen)
            throws InterruptedException {
        Map<String, String> counting = EmbeddedTomcat.filterParams(REDIS.url(), "limits", "100/1h", "key", "header:X-Client");
        Map<String, String> concurrency = EmbeddedTomcat.filterParams(REDIS.url(), "algorithm", "concurrency",
                "limits", "1000/30s", "key", "header:X-Client");
        Context context = tomcat.deploy("/redeploy", List.of(counting, concurrency),
                Map.of("ratelimit.config-file", policyFile.toString()), new OkServlet());
        assertThat(context.getState().isAvailable()).as("deployed").isTrue();
        WeakReference<ClassLoader> loader = new WeakReference<>(context.getLoader().getClassLoader());
        // +1: times are whole milliseconds, so a request sent just before the deployment ended may show the same one.
        long deployedAt = load.now() + 1;
        long deadline = deployedAt + 15_000;
        while (load.sentBetween(deployedAt, load.now()).stream().filter(Answer::counted).count() < 20
                && load.now() < deadline) {
            Thread.sleep(10);
        }
        threadNames().stream().filter(name -> name.startsWith("ratelimit")).forEach(oursSeen::add);
        long undeployAt = load.now();
        // Only requests answered before the undeploy began: the ones overlapping it may meet a stopping context.
        whileDeployed.addAll(load.sentBetween(deployedAt, undeployAt).stream()
                .filter(a -> a.endMillis() < undeployAt).collect(Collectors.toList()));
        tomcat.undeploy(context);
        return loader;
    }

    private static Set<String> threadNames() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** Threads not there before, ignoring the load's and the HTTP client's own; waits up to 15 s for them to end. */
    private static Set<String> awaitNoNew(Set<String> before) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 15_000;
        while (true) {
            Set<String> added = threadNames();
            added.removeAll(before);
            added.removeIf(name -> name.startsWith("http-load-") || name.startsWith("HttpClient-")
                    || name.startsWith("http-nio-") || name.startsWith("ForkJoinPool"));
            if (added.isEmpty() || System.currentTimeMillis() > deadline) {
                return added;
            }
            Thread.sleep(100);
        }
    }

    /** Connections to the test's Redis, except the one asking. */
    private static long redisClients() {
        return Arrays.stream(REDIS.redis().command("CLIENT", "LIST").split("\n"))
                .filter(line -> line.startsWith("id=") && !line.contains("cmd=client|list")).count();
    }

    private static long awaitAtMost(long expected, Supplier<Long> probe) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 15_000;
        long value = probe.get();
        while (value > expected && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
            value = probe.get();
        }
        return value;
    }

    private static Set<String> ourMBeans() throws Exception {
        return ManagementFactory.getPlatformMBeanServer().queryNames(new ObjectName("dev.ratelimit:*"), null).stream()
                .map(ObjectName::toString).collect(Collectors.toCollection(TreeSet::new));
    }

    /** Collects garbage until every class loader is gone or 30 s have passed; the number still reachable. */
    private static long awaitCollected(List<WeakReference<ClassLoader>> loaders) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            System.gc();
            long live = loaders.stream().filter(ref -> ref.get() != null).count();
            if (live == 0 || System.currentTimeMillis() > deadline) {
                return live;
            }
            Thread.sleep(200);
        }
    }
}
