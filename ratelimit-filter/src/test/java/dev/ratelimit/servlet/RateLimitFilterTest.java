package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.catalina.Context;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.ratelimit.testing.OkServlet;
import dev.ratelimit.testing.TestRedisExtension;

/** The filter in a real Tomcat 9 against a real Redis. */
class RateLimitFilterTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    private static EmbeddedTomcat tomcat;
    private static final AtomicInteger APPS = new AtomicInteger();

    @BeforeAll
    static void startTomcat() {
        tomcat = new EmbeddedTomcat();
    }

    @AfterAll
    static void stopTomcat() {
        tomcat.close();
    }

    @BeforeEach
    void cleanRedis() {
        REDIS.redis().flushAll();
    }

    /** Filter params with the test Redis and generous timeouts: this machine is shared with Redis and 32 clients. */
    private static Map<String, String> params(String... keyValues) {
        return EmbeddedTomcat.filterParams(REDIS.url(), keyValues);
    }

    private static String deploy(EmbeddedTomcat on, Map<String, String> params) {
        String path = "/app" + APPS.incrementAndGet();
        on.deploy(path, params, Map.of());
        return path;
    }

    @Test
    void sends_limit_headers_then_429_with_the_json_body() {
        String app = deploy(tomcat, params("limits", "2/1h"));
        HttpResponse<String> first = tomcat.get(app + "/api/orders");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.body()).isEqualTo("ok");
        assertThat(first.headers().firstValue("X-RateLimit-Limit")).hasValue("2");
        assertThat(first.headers().firstValue("X-RateLimit-Remaining")).hasValue("1");
        long reset = Long.parseLong(first.headers().firstValue("X-RateLimit-Reset").orElseThrow());
        assertThat(reset).isBetween(System.currentTimeMillis() / 1000, System.currentTimeMillis() / 1000 + 3_700);
        assertThat(tomcat.get(app + "/api/orders").statusCode()).isEqualTo(200);

        HttpResponse<String> denied = tomcat.get(app + "/api/orders");
        assertThat(denied.statusCode()).isEqualTo(429);
        assertThat(denied.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        assertThat(denied.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
        long retryAfter = Long.parseLong(denied.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter).isBetween(1L, 3_600L);
        assertThat(denied.body()).isEqualTo("{\"error\":{\"code\":\"RATE_LIMIT_EXCEEDED\",\"message\":"
                + "\"Too many requests. Please try again later.\",\"retryAfter\":" + retryAfter + "}}");
    }

    @Test
    void a_sliding_window_sends_when_its_oldest_permit_frees_and_retry_after() {
        String app = deploy(tomcat, params("limits", "2/1h", "algorithm", "sliding-window"));
        long start = System.currentTimeMillis() / 1000;
        HttpResponse<String> first = tomcat.get(app + "/x");
        assertThat(first.headers().firstValue("X-RateLimit-Limit")).hasValue("2");
        assertThat(first.headers().firstValue("X-RateLimit-Remaining")).hasValue("1");
        long reset = Long.parseLong(first.headers().firstValue("X-RateLimit-Reset").orElseThrow());
        assertThat(reset).isBetween(start + 3_599, start + 3_602);
        assertThat(tomcat.get(app + "/x").statusCode()).isEqualTo(200);
        HttpResponse<String> denied = tomcat.get(app + "/x");
        assertThat(denied.statusCode()).isEqualTo(429);
        assertThat(denied.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
        assertThat(Long.parseLong(denied.headers().firstValue("Retry-After").orElseThrow())).isBetween(3_598L, 3_600L);
    }

    @Test
    void two_filters_on_one_request_show_the_outer_filters_tighter_limit() {
        String app = "/app" + APPS.incrementAndGet();
        tomcat.deploy(app, List.of(params("limits", "5/1m", "scope", "outer"), params("limits", "100/1m", "scope", "inner")),
                Map.of(), new OkServlet());
        tomcat.get(app + "/x");
        HttpResponse<String> second = tomcat.get(app + "/x");
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(second.headers().allValues("X-RateLimit-Limit")).containsExactly("5");
        assertThat(second.headers().allValues("X-RateLimit-Remaining")).containsExactly("3");
    }

    @Test
    void two_filters_on_one_request_show_the_inner_filters_denial() {
        String app = "/app" + APPS.incrementAndGet();
        tomcat.deploy(app, List.of(params("limits", "100/1m", "scope", "outer"), params("limits", "1/1m", "scope", "inner")),
                Map.of(), new OkServlet());
        assertThat(tomcat.get(app + "/x").headers().allValues("X-RateLimit-Limit")).containsExactly("1");
        HttpResponse<String> denied = tomcat.get(app + "/x");
        assertThat(denied.statusCode()).isEqualTo(429);
        assertThat(denied.headers().allValues("X-RateLimit-Limit")).containsExactly("1");
        assertThat(denied.headers().allValues("X-RateLimit-Remaining")).containsExactly("0");
        assertThat(denied.headers().firstValue("Retry-After")).isPresent();
    }

    @ParameterizedTest
    @ValueSource(strings = {"fixed-window", "token-bucket", "sliding-window"})
    void admits_exactly_the_limit_of_150_requests_from_32_concurrent_clients(String algorithm) throws Exception {
        String app = deploy(tomcat, params("limits", "100/1h", "algorithm", algorithm));
        int[] statuses = hammer(150, 32, i -> tomcat.get(app + "/x").statusCode());
        assertThat(count(statuses, 200)).isEqualTo(100);
        assertThat(count(statuses, 429)).isEqualTo(50);
    }

    @Test
    void two_instances_with_separate_pools_admit_exactly_the_limit_together() throws Exception {
        try (EmbeddedTomcat other = new EmbeddedTomcat()) {
            Map<String, String> params = params("limits", "100/1h", "key", "route");
            String app = deploy(tomcat, params);
            other.deploy(app, params, Map.of());
            int[] statuses = hammer(200, 32, i -> (i % 2 == 0 ? tomcat : other).get(app + "/shared").statusCode());
            assertThat(count(statuses, 200)).isEqualTo(100);
            assertThat(count(statuses, 429)).isEqualTo(100);
        }
    }

    @Test
    void two_filters_of_one_scope_and_key_spend_two_budgets() {
        String app = "/app" + APPS.incrementAndGet();
        Map<String, Map.Entry<String, Map<String, String>>> filters = new LinkedHashMap<>();
        filters.put("github", Map.entry("/hooks/github", params("limits", "2/1h", "scope", "hooks")));
        filters.put("stripe", Map.entry("/hooks/stripe", params("limits", "3/1h", "scope", "hooks")));
        tomcat.deployFilters(app, filters);
        assertThat(tomcat.get(app + "/hooks/github").statusCode()).isEqualTo(200);
        assertThat(tomcat.get(app + "/hooks/github").statusCode()).isEqualTo(200);
        assertThat(tomcat.get(app + "/hooks/github").statusCode()).isEqualTo(429);
        HttpResponse<String> stripe = tomcat.get(app + "/hooks/stripe");
        assertThat(stripe.headers().firstValue("X-RateLimit-Remaining")).as("stripe's own budget").hasValue("2");
        assertThat(REDIS.redis().command("KEYS", "ratelimit:*").split("\n")).containsExactlyInAnyOrder(
                "ratelimit:hooks:github:*:*:*:{ip=127.0.0.1}:fw:3600000",
                "ratelimit:hooks:stripe:*:*:*:{ip=127.0.0.1}:fw:3600000");
    }

    @Test
    void filters_with_one_counter_share_it() {
        String app = "/app" + APPS.incrementAndGet();
        Map<String, Map.Entry<String, Map<String, String>>> filters = new LinkedHashMap<>();
        filters.put("a", Map.entry("/a/*", params("limits", "3/1h", "counter", "shared")));
        filters.put("b", Map.entry("/b/*", params("limits", "3/1h", "counter", "shared")));
        tomcat.deployFilters(app, filters);
        assertThat(tomcat.get(app + "/a/1").statusCode()).isEqualTo(200);
        assertThat(tomcat.get(app + "/a/2").statusCode()).isEqualTo(200);
        assertThat(tomcat.get(app + "/b/1").headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
        assertThat(tomcat.get(app + "/a/3").statusCode()).isEqualTo(429);
        assertThat(REDIS.redis().command("KEYS", "ratelimit:*"))
                .isEqualTo("ratelimit:api:shared:*:*:*:{ip=127.0.0.1}:fw:3600000");
    }

    @Test
    void gives_every_key_a_ttl_and_escapes_hostile_headers() {
        String app = deploy(tomcat, params("limits", "5/1m, 50/1h", "key", "header:X-Api-Key,route"));
        tomcat.get(app + "/keys", "X-Api-Key", "x}:{y} FLUSHALL");
        List<String> keys = Arrays.asList(REDIS.redis().command("KEYS", "ratelimit:*").split("\n"));
        assertThat(keys).containsExactlyInAnyOrder(
                "ratelimit:api:limit:*:/keys:*:{h.x-api-key=x%7D%3A%7By%7D%20FLUSHALL}:fw:60000",
                "ratelimit:api:limit:*:/keys:*:{h.x-api-key=x%7D%3A%7By%7D%20FLUSHALL}:fw:3600000");
        for (String key : keys) {
            assertThat(Long.parseLong(REDIS.redis().command("PTTL", key))).isPositive();
        }
    }

    @Test
    void believes_forwarded_for_only_from_trusted_proxies() {
        String app = deploy(tomcat, params("limits", "1/1h", "trusted-proxies", "127.0.0.0/8"));
        assertThat(tomcat.get(app + "/", "X-Forwarded-For", "198.51.100.1").statusCode()).isEqualTo(200);
        assertThat(tomcat.get(app + "/", "X-Forwarded-For", "198.51.100.2").statusCode()).isEqualTo(200);
        assertThat(tomcat.get(app + "/", "X-Forwarded-For", "198.51.100.1").statusCode()).isEqualTo(429);

        String untrusting = deploy(tomcat, params("limits", "1/1h", "scope", "other"));
        assertThat(tomcat.get(untrusting + "/", "X-Forwarded-For", "198.51.100.3").statusCode()).isEqualTo(200);
        assertThat(tomcat.get(untrusting + "/", "X-Forwarded-For", "198.51.100.4").statusCode())
                .as("a client cannot pick its own identity").isEqualTo(429);
    }

    @Test
    void dry_run_counts_but_never_blocks() {
        String app = deploy(tomcat, params("limits", "1/1h", "dry-run", "true"));
        tomcat.get(app + "/");
        HttpResponse<String> wouldDeny = tomcat.get(app + "/");
        assertThat(wouldDeny.statusCode()).isEqualTo(200);
        assertThat(wouldDeny.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
    }

    @Test
    void counts_in_memory_when_no_redis_url_is_configured() {
        Map<String, String> params = new HashMap<>(params("limits", "1/1h"));
        params.remove("redis-url");
        String app = deploy(tomcat, params);
        assertThat(tomcat.get(app + "/").statusCode()).isEqualTo(200);
        assertThat(tomcat.get(app + "/").statusCode()).isEqualTo(429);
        if (System.getenv("REDIS_URL") == null && System.getProperty("ratelimit.redis-url") == null) {
            assertThat(REDIS.redis().command("DBSIZE")).isEqualTo("0");
        }
    }

    @Test
    void takes_the_redis_url_from_a_context_param() {
        Map<String, String> params = new HashMap<>(params("limits", "1/1h"));
        params.remove("redis-url");
        String path = "/app" + APPS.incrementAndGet();
        tomcat.deploy(path, params, Map.of("ratelimit.redis-url", REDIS.url()));
        tomcat.get(path + "/");
        assertThat(REDIS.redis().command("DBSIZE")).isEqualTo("1");
    }

    @Test
    void fails_the_deployment_on_a_bad_init_param() {
        Context bad = tomcat.deploy("/bad" + APPS.incrementAndGet(), params("limits", "lots"), Map.of());
        assertThat(bad.getState().isAvailable()).isFalse();
    }

    @Test
    void route_patterns_count_every_id_under_one_route() {
        String app = deploy(tomcat, params("limits", "3/1h", "key", "ip,route", "route-patterns", "/orders/{id}"));
        assertThat(tomcat.get(app + "/orders/1").statusCode()).isEqualTo(200);
        assertThat(tomcat.get(app + "/orders/2").statusCode()).isEqualTo(200);
        assertThat(tomcat.get(app + "/orders/random-" + System.nanoTime()).statusCode()).isEqualTo(200);
        assertThat(tomcat.get(app + "/orders/another").statusCode()).as("a new id is no new budget").isEqualTo(429);
        assertThat(tomcat.get(app + "/other").statusCode()).isEqualTo(200);
    }

    @Test
    void fails_the_deployment_on_a_misspelled_init_param_or_context_param() {
        Context typo = tomcat.deploy("/typo" + APPS.incrementAndGet(), params("limits", "5/1m", "failure-mod", "closed"), Map.of());
        assertThat(typo.getState().isAvailable()).isFalse();
        Context contextTypo = tomcat.deploy("/typo" + APPS.incrementAndGet(), params("limits", "5/1m"),
                Map.of("ratelimit.trusted-proxy", "10.0.0.0/8"));
        assertThat(contextTypo.getState().isAvailable()).isFalse();
    }

    @Test
    void redeploying_20_times_leaks_no_threads_and_no_redis_connections() throws Exception {
        Map<String, String> params = params("limits", "100/1h");
        Thread.sleep(200);
        int threadsBefore = Thread.activeCount();
        long connectionsBefore = ratelimitClients();
        for (int i = 0; i < 20; i++) {
            Context context = tomcat.deploy("/redeploy", params, Map.of());
            assertThat(tomcat.get("/redeploy/").statusCode()).isEqualTo(200);
            tomcat.undeploy(context);
        }
        long deadline = System.currentTimeMillis() + 10_000;
        while (ratelimitClients() > connectionsBefore && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertThat(ratelimitClients()).as("Redis connections named 'ratelimit' (other tests' apps hold some)")
                .isLessThanOrEqualTo(connectionsBefore);
        assertThat(Thread.activeCount()).as("threads after 20 redeploys").isLessThanOrEqualTo(threadsBefore + 2);
    }

    private static long ratelimitClients() {
        return Arrays.stream(REDIS.redis().command("CLIENT", "LIST").split("\n"))
                .filter(line -> line.contains(" name=ratelimit ")).count();
    }

    interface Call {
        int status(int i) throws Exception;
    }

    private static int[] hammer(int requests, int threads, Call call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            int n = i;
            results.add(pool.submit(() -> {
                start.await();
                return call.status(n);
            }));
        }
        start.countDown();
        int[] statuses = new int[requests];
        for (int i = 0; i < requests; i++) {
            statuses[i] = results.get(i).get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        return statuses;
    }

    private static long count(int[] statuses, int status) {
        return Arrays.stream(statuses).filter(s -> s == status).count();
    }
}
