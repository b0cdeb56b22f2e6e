package dev.ratelimit.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.net.URL;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jboss.arquillian.container.test.api.Deployer;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.OperateOnDeployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What users do on a real server, run on each server by a subclass that deploys the example WAR as that server
 * needs it. Client mode only: the limiter must never see (or throttle) Arquillian's own requests.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
abstract class ContainerScenarios {

    static final String EXAMPLE = "example";
    static final String SMALL = "small";
    static final String BAD = "bad";
    static final String SLIDING = "sliding";
    static final String CONCURRENCY = "concurrency";

    private static final AtomicInteger CLIENTS = new AtomicInteger();

    /**
     * Threads the servers start and keep on their own: request workers that grow with load, and the JMX connection
     * timers of the connections Arquillian and this test open. Everything else a redeploy leaves running is a leak.
     */
    private static final String SERVER_POOL_THREADS = "http-nio-.*-exec-\\d+|JMX server connection timeout \\d+"
            + "|RMI TCP Connection.*|default task-\\d+|management task-\\d+|management-handler-thread - \\d+|ServerService Thread Pool -- \\d+";

    @ArquillianResource
    @OperateOnDeployment(EXAMPLE)
    URL example;

    @ArquillianResource
    Deployer deployer;

    /** A connection to the server's MBeans. */
    abstract ServerJmx jmx();

    /** Everything the server has logged so far. */
    abstract String serverLog();

    /** Where a failed deployment's reason is visible to its operator on this server. */
    abstract String deploymentFailureReport(Throwable failure);

    /** The filter alone, counting in the class's Redis: deployed and undeployed by the tests. */
    @Deployment(name = SMALL, testable = false, managed = false)
    static WebArchive small() {
        return Wars.limited(SMALL, WebXml.create()
                .contextParam("ratelimit.redis-url", ClassRedis.get().url())
                .contextParam("ratelimit.timeout", "5s")
                .filter("small-limit", "/*", "limits", "100/1h"));
    }

    /** A sliding-window filter counting in the class's Redis. */
    @Deployment(name = SLIDING, testable = false, managed = false)
    static WebArchive sliding() {
        return Wars.limited(SLIDING, WebXml.create()
                .contextParam("ratelimit.redis-url", ClassRedis.get().url())
                .contextParam("ratelimit.timeout", "5s")
                .filter("sliding-limit", "/*", "algorithm", "sliding-window", "limits", "3/1h", "scope", SLIDING));
    }

    /** A concurrency filter counting in the class's Redis, in front of requests the test holds ({@link HoldServlet}). */
    @Deployment(name = CONCURRENCY, testable = false, managed = false)
    static WebArchive concurrency() {
        return Wars.withHoldServlet(Wars.limited(CONCURRENCY, WebXml.create()
                .contextParam("ratelimit.redis-url", ClassRedis.get().url())
                .contextParam("ratelimit.timeout", "5s")
                .filter("concurrency-limit", "/hold/*", "algorithm", "concurrency", "limits", "3/30s", "scope", CONCURRENCY)
                .servlet("hold", HoldServlet.CLASS_NAME, "/hold/*", "/held/*", "/release/*")));
    }

    /** A typo in web.xml. */
    @Deployment(name = BAD, testable = false, managed = false)
    static WebArchive bad() {
        return Wars.limited(BAD, WebXml.create().filter("bad-limit", "/*", "limits", "lots"));
    }

    @AfterAll
    static void stopRedis() {
        ClassRedis.stop();
    }

    /** The example trusts X-Forwarded-For from loopback, so each test is its own client. */
    private static String newClient() {
        return "198.51.100." + CLIENTS.incrementAndGet();
    }

    @Test
    void web_xml_alone_limits_each_client_and_sends_the_headers() {
        String client = newClient();
        long now = Instant.now().getEpochSecond();
        for (int remaining = 4; remaining >= 0; remaining--) {
            HttpResponse<String> ok = Http.get(example, "api/orders", "X-Forwarded-For", client);
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.headers().firstValue("X-RateLimit-Limit")).hasValue("5");
            assertThat(ok.headers().firstValue("X-RateLimit-Remaining")).hasValue(Integer.toString(remaining));
            assertThat(Long.parseLong(ok.headers().firstValue("X-RateLimit-Reset").orElseThrow())).isBetween(now, now + 11);
        }
        HttpResponse<String> otherClient = Http.get(example, "api/orders", "X-Forwarded-For", newClient());
        assertThat(otherClient.statusCode()).as("another client has its own quota").isEqualTo(200);
        assertThat(otherClient.headers().firstValue("X-RateLimit-Remaining")).hasValue("4");
    }

    @Test
    void a_client_over_the_limit_gets_429_retry_after_and_the_json_body() {
        String client = newClient();
        for (int i = 0; i < 5; i++) {
            assertThat(Http.get(example, "api/orders", "X-Forwarded-For", client).statusCode()).isEqualTo(200);
        }
        HttpResponse<String> denied = Http.get(example, "api/orders", "X-Forwarded-For", client);
        assertThat(denied.statusCode()).isEqualTo(429);
        assertThat(denied.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        assertThat(denied.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
        long retryAfter = Long.parseLong(denied.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter).isBetween(1L, 10L);
        assertThat(denied.body()).isEqualTo("{\"error\":{\"code\":\"RATE_LIMIT_EXCEEDED\",\"message\":"
                + "\"Too many requests. Please try again later.\",\"retryAfter\":" + retryAfter + "}}");
    }

    @Test
    void jaxrs_resources_are_limited_by_their_rate_limited_annotations() {
        for (int id = 1; id <= 3; id++) {
            HttpResponse<String> ok = Http.get(example, "rest/orders/" + id);
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).isEqualTo("{\"id\":" + id + ",\"route\":\"/orders/{id}\"}");
            assertThat(ok.headers().firstValue("X-RateLimit-Limit")).as("method annotation").hasValue("3");
        }
        HttpResponse<String> denied = Http.get(example, "rest/orders/4");
        assertThat(denied.statusCode()).as("/orders/{id} is one route").isEqualTo(429);
        assertThat(denied.headers().firstValue("Retry-After")).isPresent();
        assertThat(denied.body()).startsWith("{\"error\":{\"code\":\"RATE_LIMIT_EXCEEDED\"");

        assertThat(Http.get(example, "rest/orders").headers().firstValue("X-RateLimit-Limit"))
                .as("class annotation").hasValue("10");
        assertThat(Http.get(example, "rest/search?q=x").headers().firstValue("X-RateLimit-Limit"))
                .as("named policy from web.xml context-params").hasValue("2");
        HttpResponse<String> health = Http.get(example, "rest/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.headers().firstValue("X-RateLimit-Limit")).as("not annotated").isEmpty();
    }

    @Test
    void a_bad_webhook_signature_is_refused_before_it_touches_the_quota() {
        String secret = System.getProperty("it.webhook.github-secret");
        for (int i = 0; i < 3; i++) {
            String body = "{\"zen\":\"forged " + i + "\"}";
            HttpResponse<String> forged = Http.post(example, "webhooks/github", body,
                    "X-Hub-Signature-256", Webhooks.githubSignature("not-the-secret", body));
            assertThat(forged.statusCode()).isEqualTo(401);
            assertThat(forged.body()).startsWith("{\"error\":{\"code\":\"INVALID_SIGNATURE\"");
        }
        String body = "{\"zen\":\"signed\"}";
        HttpResponse<String> signed = Http.post(example, "webhooks/github", body,
                "X-Hub-Signature-256", Webhooks.githubSignature(secret, body));
        assertThat(signed.statusCode()).isEqualTo(202);
        assertThat(signed.headers().firstValue("X-RateLimit-Limit")).hasValue("30");
        assertThat(signed.headers().firstValue("X-RateLimit-Remaining"))
                .as("the three forged requests took nothing from the quota").hasValue("29");
    }

    @Test
    void the_limiter_shows_its_metrics_over_jmx_and_the_admin_servlet() throws Exception {
        Http.get(example, "api/orders", "X-Forwarded-For", newClient());
        HttpResponse<String> metrics = Http.get(example, "admin/metrics/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("\"ratelimit.policy.api-limit.allowed\"");
        try (ServerJmx jmx = jmx()) {
            assertThat(jmx.ratelimitMBeans("webapp-example")).isNotEmpty();
        }
    }

    @Test
    void the_example_serves_its_metrics_for_prometheus_at_metrics() {
        Http.get(example, "api/orders", "X-Forwarded-For", newClient());
        HttpResponse<String> page = Http.get(example, "metrics");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/plain"));
        assertThat(page.body()).contains("# TYPE ratelimit_policy_allowed_total counter",
                "ratelimit_policy_allowed_total{app=\"webapp-example\",policy=\"api-limit\"} ");
    }

    @Test
    void a_sliding_window_filter_from_web_xml_admits_exactly_its_limit() throws Exception {
        deployer.deploy(SLIDING);
        try {
            URL sliding = new URL(example, "/" + SLIDING + "/");
            List<HttpResponse<String>> responses = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                responses.add(Http.get(sliding, "ok.txt"));
            }
            assertThat(responses).extracting(HttpResponse::statusCode).containsExactly(200, 200, 200, 429, 429, 429);
            for (HttpResponse<String> denied : responses.subList(3, 6)) {
                assertThat(Long.parseLong(denied.headers().firstValue("Retry-After").orElseThrow()))
                        .as("until the first permit leaves the hour").isBetween(3_590L, 3_600L);
            }
            String key = ClassRedis.get().command("KEYS", "ratelimit:" + SLIDING + ":*");
            assertThat(key).endsWith(":sw:3600000");
            assertThat(ClassRedis.get().command("LLEN", key)).as("one time per admitted request").isEqualTo("3");
        } finally {
            deployer.undeploy(SLIDING);
        }
    }

    @Test
    void a_concurrency_filter_from_web_xml_admits_exactly_its_limit_in_flight() throws Exception {
        deployer.deploy(CONCURRENCY);
        ExecutorService clients = Executors.newFixedThreadPool(6);
        URL app = new URL(example, "/" + CONCURRENCY + "/");
        try {
            List<Future<HttpResponse<String>>> first = HeldRequests.send(clients, 6, "first", app);
            // The refused come back at once; the admitted stay until released, so 4 admitted would leave 2 here.
            List<HttpResponse<String>> refused = HeldRequests.awaitAnswered(first, 3);
            for (HttpResponse<String> denied : refused) {
                assertThat(denied.statusCode()).isEqualTo(429);
                assertThat(denied.headers().firstValue("Retry-After")).hasValue("1");
                assertThat(denied.headers().firstValue("X-RateLimit-Limit")).hasValue("3");
                assertThat(denied.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
                assertThat(denied.body()).startsWith("{\"error\":{\"code\":\"CONCURRENCY_LIMIT_EXCEEDED\"");
            }
            assertThat(HeldRequests.held(app, "first")).as("requests running in the application").isEqualTo(3);
            String permits = ClassRedis.get().command("KEYS", "ratelimit:" + CONCURRENCY + ":*");
            assertThat(ClassRedis.get().command("ZCARD", permits)).as("holders in Redis").isEqualTo("3");
            HeldRequests.release(app, "first");
            assertThat(HeldRequests.statuses(first)).containsExactlyInAnyOrder(200, 200, 200, 429, 429, 429);

            // Every permit came back when its request ended: three more run at once, and a fourth is refused.
            List<Future<HttpResponse<String>>> second = HeldRequests.send(clients, 3, "second", app);
            HeldRequests.awaitHeld(app, "second", 3);
            assertThat(Http.get(app, "hold/second").statusCode()).as("a fourth while three run").isEqualTo(429);
            HeldRequests.release(app, "second");
            assertThat(HeldRequests.statuses(second)).containsExactly(200, 200, 200);
        } finally {
            HeldRequests.releaseQuietly(app, "first", "second");
            clients.shutdownNow();
            deployer.undeploy(CONCURRENCY);
        }
    }

    @Test
    void redeploying_leaves_no_mbeans_threads_or_redis_connections_behind() throws Exception {
        try (ServerJmx jmx = jmx()) {
            deployAndUndeploySmall(jmx); // the first deployment loads classes and starts what the server keeps
            List<String> before = settledThreads(jmx);
            for (int i = 0; i < 5; i++) {
                deployAndUndeploySmall(jmx);
            }
            List<String> after = settledThreads(jmx);
            List<String> added = new ArrayList<>(after);
            before.forEach(added::remove);
            added.removeIf(name -> name.matches(SERVER_POOL_THREADS) || isGrowthOfAnExistingPool(name, before));
            assertThat(added).as("threads started by 5 more redeploys (the server's own pools aside)").isEmpty();
        }
        assertThat(serverLog()).as("the server's own leak detection")
                .doesNotContainPattern("web application \\[/?" + SMALL + "\\][^\\n]*(failed to stop|memory leak)");
    }

    private void deployAndUndeploySmall(ServerJmx jmx) throws Exception {
        deployer.deploy(SMALL);
        URL small = new URL(example, "/" + SMALL + "/");
        HttpResponse<String> ok = Http.get(small, "ok.txt");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.headers().firstValue("X-RateLimit-Limit")).hasValue("100");
        assertThat(jmx.ratelimitMBeans(SMALL)).as("MBeans while deployed").isNotEmpty();
        assertThat(ClassRedis.limiterConnections()).as("Redis connections while deployed").isPositive();
        deployer.undeploy(SMALL);
        assertThat(jmx.ratelimitMBeans(SMALL)).as("MBeans after undeploy").isEmpty();
        long deadline = System.currentTimeMillis() + 10_000;
        while (ClassRedis.limiterConnections() > 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertThat(ClassRedis.limiterConnections()).as("Redis connections after undeploy").isZero();
    }

    /**
     * Another worker of an unnamed pool ({@code pool-N-thread-M}) that was already running before the redeploys, e.g.
     * the cached pool of WildFly's remoting-jmx connector server, which grows with this test's own JMX calls. A pool an
     * application leaks on each redeploy is a new pool (a new N) every time, so it still counts.
     */
    private static boolean isGrowthOfAnExistingPool(String name, List<String> before) {
        Matcher worker = Pattern.compile("(pool-\\d+-thread-)\\d+").matcher(name);
        return worker.matches() && before.stream().anyMatch(existing -> existing.startsWith(worker.group(1)));
    }

    /** The smallest set of live threads seen over a second: idle pool threads come and go. */
    private static List<String> settledThreads(ServerJmx jmx) throws InterruptedException {
        List<String> fewest = jmx.threadNames();
        for (int i = 0; i < 10; i++) {
            Thread.sleep(100);
            List<String> now = jmx.threadNames();
            if (now.size() < fewest.size()) {
                fewest = now;
            }
        }
        return fewest;
    }

    @Test
    void a_bad_init_param_fails_the_deployment_with_a_message_naming_it() throws Exception {
        Throwable failure = catchThrowable(() -> deployer.deploy(BAD));
        try {
            assertThat(failure).as("deploying a WAR with limits=lots").isNotNull();
            assertThat(deploymentFailureReport(failure))
                    .contains("Rate-limit filter 'bad-limit'", "Invalid value 'lots' for parameter 'limits'");
            assertThat(Http.get(new URL(example, "/" + BAD + "/"), "ok.txt").statusCode())
                    .as("nothing served").isNotEqualTo(200);
        } finally {
            catchThrowable(() -> deployer.undeploy(BAD));
        }
    }

    /** The messages of a failure and all its causes. */
    static String messages(Throwable failure) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            text.append(t).append('\n');
        }
        return text.toString();
    }
}
