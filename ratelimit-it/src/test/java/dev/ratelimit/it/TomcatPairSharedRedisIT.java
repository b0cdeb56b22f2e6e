package dev.ratelimit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.OperateOnDeployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.container.test.api.TargetsContainer;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two Tomcat 9 instances behind an imaginary load balancer, the same WAR on both: with one Redis they admit
 * exactly the limit together; counting in memory, each admits its own.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class TomcatPairSharedRedisIT {

    private static final int REQUESTS = 200;
    private static final int CLIENTS = 16;
    /** The concurrency limit of the shared WAR: requests in flight at once, over both instances. */
    private static final int IN_FLIGHT = 4;

    @ArquillianResource
    @OperateOnDeployment("shared-a")
    URL sharedA;

    @ArquillianResource
    @OperateOnDeployment("shared-b")
    URL sharedB;

    @ArquillianResource
    @OperateOnDeployment("local-a")
    URL localA;

    @ArquillianResource
    @OperateOnDeployment("local-b")
    URL localB;

    /**
     * Limits of 100 per day (a window or refill far longer than the test) per client address, which is 127.0.0.1 for
     * every request; the Redis URL as a context-param, shared by both filters. Generous timeouts: two servers, Redis
     * and 16 clients share two cores, and the filters fail open.
     */
    private static WebArchive shared() {
        return Wars.withHoldServlet(Wars.limited("shared", WebXml.create()
                .contextParam("ratelimit.redis-url", ClassRedis.get().url())
                .contextParam("ratelimit.timeout", "5s")
                .contextParam("ratelimit.connect-timeout", "5s")
                .contextParam("ratelimit.pool-max-wait", "5s")
                .filter("fixed-window", "/fw/*", "limits", "100/1d", "algorithm", "fixed-window", "scope", "fw")
                .filter("token-bucket", "/tb/*", "limits", "100/1d", "algorithm", "token-bucket", "scope", "tb")
                .filter("concurrency", "/hold/*", "limits", IN_FLIGHT + "/30s", "algorithm", "concurrency", "scope", "cc")
                .servlet("hold", HoldServlet.CLASS_NAME, "/hold/*", "/held/*", "/release/*"),
                "fw", "tb"));
    }

    /** The same limit and no Redis anywhere: each instance counts in its own memory. */
    private static WebArchive local() {
        return Wars.limited("local", WebXml.create().filter("in-memory", "/mem/*", "limits", "100/1d", "scope", "mem"), "mem");
    }

    @Deployment(name = "shared-a", testable = false)
    @TargetsContainer("tomcat-a")
    static WebArchive sharedOnA() {
        return shared();
    }

    @Deployment(name = "shared-b", testable = false)
    @TargetsContainer("tomcat-b")
    static WebArchive sharedOnB() {
        return shared();
    }

    @Deployment(name = "local-a", testable = false)
    @TargetsContainer("tomcat-a")
    static WebArchive localOnA() {
        return local();
    }

    @Deployment(name = "local-b", testable = false)
    @TargetsContainer("tomcat-b")
    static WebArchive localOnB() {
        return local();
    }

    @AfterAll
    static void stopRedis() {
        ClassRedis.stop();
    }

    @Test
    void two_instances_sharing_redis_admit_exactly_100_of_200_with_a_fixed_window() throws Exception {
        assertExactlyTheLimitAcrossBoth("fw");
    }

    @Test
    void two_instances_sharing_redis_admit_exactly_100_of_200_with_a_token_bucket() throws Exception {
        assertExactlyTheLimitAcrossBoth("tb");
    }

    private void assertExactlyTheLimitAcrossBoth(String route) throws Exception {
        assertThat(sharedA.getPort()).as("two servers").isNotEqualTo(sharedB.getPort());
        int[] statuses = Http.hammer(REQUESTS, CLIENTS, i -> Http.get(i % 2 == 0 ? sharedA : sharedB, route + "/ok.txt"));
        assertThat(Http.count(statuses, 200)).as("allowed").isEqualTo(100);
        assertThat(Http.count(statuses, 429)).as("denied").isEqualTo(100);
        assertThat(ClassRedis.get().command("KEYS", "ratelimit:" + route + ":*")).as("counted in Redis").isNotEmpty();
    }

    @Test
    void two_instances_sharing_redis_run_exactly_the_concurrency_limit_in_flight_together() throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(2 * IN_FLIGHT);
        try {
            // Twice the limit at once, alternately to A and B; the admitted are held until released.
            List<Future<HttpResponse<String>>> requests = HeldRequests.send(clients, 2 * IN_FLIGHT, "pair", sharedA, sharedB);
            List<HttpResponse<String>> refused = HeldRequests.awaitAnswered(requests, IN_FLIGHT);
            assertThat(refused).extracting(HttpResponse::statusCode).as("answered at once").containsOnly(429);
            assertThat(refused).extracting(r -> r.headers().firstValue("Retry-After").orElse(null)).containsOnly("1");
            assertThat(HeldRequests.held(sharedA, "pair") + HeldRequests.held(sharedB, "pair"))
                    .as("running on A and B together").isEqualTo(IN_FLIGHT);
            String permits = ClassRedis.get().command("KEYS", "ratelimit:cc:*");
            assertThat(ClassRedis.get().command("ZCARD", permits)).as("holders in Redis").isEqualTo(Integer.toString(IN_FLIGHT));
            HeldRequests.release(sharedA, "pair");
            HeldRequests.release(sharedB, "pair");
            List<Integer> statuses = HeldRequests.statuses(requests);
            assertThat(statuses.stream().filter(s -> s == 200).count()).as("admitted").isEqualTo(IN_FLIGHT);
            assertThat(statuses.stream().filter(s -> s == 429).count()).as("refused").isEqualTo(IN_FLIGHT);
        } finally {
            HeldRequests.releaseQuietly(sharedA, "pair");
            HeldRequests.releaseQuietly(sharedB, "pair");
            clients.shutdownNow();
        }
    }

    @Test
    void counting_in_memory_each_instance_admits_its_own_100() throws Exception {
        int[] statuses = Http.hammer(2 * REQUESTS, CLIENTS, i -> Http.get(i % 2 == 0 ? localA : localB, "mem/ok.txt"));
        for (int instance = 0; instance < 2; instance++) {
            int allowed = 0;
            int denied = 0;
            for (int i = instance; i < statuses.length; i += 2) {
                allowed += statuses[i] == 200 ? 1 : 0;
                denied += statuses[i] == 429 ? 1 : 0;
            }
            assertThat(allowed).as("allowed by instance %d of %d requests", instance, REQUESTS).isEqualTo(100);
            assertThat(denied).as("denied by instance %d", instance).isEqualTo(100);
        }
    }
}
