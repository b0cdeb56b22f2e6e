package dev.ratelimit.jaxrs;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.ws.rs.container.AsyncResponse;
import javax.ws.rs.core.Application;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.ratelimit.core.app.ApplicationRuntime;
import dev.ratelimit.testing.TestRedisExtension;

/**
 * What {@code @RateLimited} does, in a real JAX-RS runtime on a real Tomcat 9 against a real Redis.
 * Every runtime we support runs this same class through a subclass.
 */
abstract class RateLimitedContract {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    private static final AtomicInteger APPS = new AtomicInteger();

    private static JaxrsTomcat tomcat;
    /** A fresh deployment per test: limiters remember denials locally, which no Redis FLUSHALL clears. */
    private JaxrsTomcat.Deployment good;
    private String app;

    /** The runtime under test. */
    abstract JaxrsRuntime runtime();

    @BeforeAll
    static void startTomcat() {
        tomcat = new JaxrsTomcat();
    }

    @AfterAll
    static void stopTomcat() {
        tomcat.close();
    }

    @BeforeEach
    void deployTheApplicationOnACleanRedis() {
        REDIS.redis().flushAll();
        app = "/good" + APPS.incrementAndGet();
        good = tomcat.deploy(app, runtime(), TestApplications.Good.class, contextParams(),
                filterParams("limits", "2/1h", "scope", "filtered"));
        assertThat(good.failure).as("deployment failure").isNull();
    }

    @AfterEach
    void undeploy() {
        tomcat.undeploy(good.context);
    }

    /** Shared settings as context-params, with generous timeouts: this machine is shared. */
    private static Map<String, String> contextParams() {
        Map<String, String> params = new HashMap<>();
        params.put("ratelimit.redis-url", REDIS.url());
        params.put("ratelimit.timeout", "5s");
        params.put("ratelimit.connect-timeout", "5s");
        params.put("ratelimit.pool-max-wait", "5s");
        params.put("ratelimit.trusted-proxies", "127.0.0.0/8");
        params.put("ratelimit.policy.search.limits", "2/1h");
        params.put("ratelimit.policy.search.scope", "searching");
        params.put("ratelimit.policy.broken.limits", "often");
        params.put("ratelimit.policy.held.limits", "1/1h");
        return params;
    }

    private static Map<String, String> filterParams(String... keyValues) {
        Map<String, String> params = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            params.put(keyValues[i], keyValues[i + 1]);
        }
        return params;
    }

    private HttpResponse<String> get(String path, String... headers) {
        return tomcat.get(app + path, headers);
    }

    private static String header(HttpResponse<String> response, String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    @Test
    void annotated_method_sends_limit_headers_then_429_with_the_json_body() {
        HttpResponse<String> first = get("/rest/orders/1");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.body()).isEqualTo("order 1");
        assertThat(header(first, "X-RateLimit-Limit")).isEqualTo("2");
        assertThat(header(first, "X-RateLimit-Remaining")).isEqualTo("1");
        long reset = Long.parseLong(header(first, "X-RateLimit-Reset"));
        assertThat(reset).isBetween(System.currentTimeMillis() / 1000, System.currentTimeMillis() / 1000 + 3_700);
        assertThat(get("/rest/orders/1").statusCode()).isEqualTo(200);

        HttpResponse<String> denied = get("/rest/orders/1");
        assertThat(denied.statusCode()).isEqualTo(429);
        assertThat(header(denied, "Content-Type")).startsWith("application/json");
        assertThat(header(denied, "X-RateLimit-Remaining")).isEqualTo("0");
        long retryAfter = Long.parseLong(header(denied, "Retry-After"));
        assertThat(retryAfter).isBetween(1L, 3_600L);
        assertThat(denied.body()).isEqualTo("{\"error\":{\"code\":\"RATE_LIMIT_EXCEEDED\",\"message\":"
                + "\"Too many requests. Please try again later.\",\"retryAfter\":" + retryAfter + "}}");
    }

    @Test
    void denies_exactly_like_the_servlet_filter_of_the_same_application_on_one_redis_pool() {
        get("/rest/orders/1");
        get("/rest/orders/1");
        get("/filtered/x");
        get("/filtered/x");
        HttpResponse<String> jaxrs = get("/rest/orders/1");
        HttpResponse<String> servlet = get("/filtered/x");

        assertThat(jaxrs.statusCode()).isEqualTo(servlet.statusCode()).isEqualTo(429);
        for (String name : Arrays.asList("X-RateLimit-Limit", "X-RateLimit-Remaining")) {
            assertThat(header(jaxrs, name)).as(name).isEqualTo(header(servlet, name));
        }
        for (String name : Arrays.asList("X-RateLimit-Reset", "Retry-After")) {
            assertThat(Long.parseLong(header(jaxrs, name))).as("%s (windows opened a moment apart)", name)
                    .isCloseTo(Long.parseLong(header(servlet, name)), Offset.offset(2L));
        }
        assertThat(header(jaxrs, "Content-Type").replace(" ", "").toLowerCase())
                .isEqualTo(header(servlet, "Content-Type").replace(" ", "").toLowerCase());
        assertThat(jaxrs.body().replaceAll("\"retryAfter\":\\d+", ""))
                .isEqualTo(servlet.body().replaceAll("\"retryAfter\":\\d+", ""));

        ApplicationRuntime shared = (ApplicationRuntime) good.context.getServletContext().getAttribute(ApplicationRuntime.ATTRIBUTE);
        assertThat(shared.redis().openClients()).as("Redis pools of the application").isEqualTo(1);
    }

    @Test
    void unannotated_methods_pay_nothing_and_get_no_headers() {
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> free = get("/rest/free");
            assertThat(free.statusCode()).isEqualTo(200);
            assertThat(free.headers().map().keySet()).noneMatch(name -> name.toLowerCase().startsWith("x-ratelimit"));
        }
        assertThat(REDIS.redis().command("DBSIZE")).isEqualTo("0");
    }

    @Test
    void reads_every_forwarded_for_line_so_a_forged_first_line_does_not_change_the_client() {
        for (String forged : new String[] {"203.0.113.1", "203.0.113.2"}) {
            assertThat(tomcat.rawGet(app + "/rest/search", "X-Forwarded-For: " + forged, "X-Forwarded-For: 198.51.100.7"))
                    .isEqualTo(200);
        }
        assertThat(tomcat.rawGet(app + "/rest/search", "X-Forwarded-For: 203.0.113.3", "X-Forwarded-For: 198.51.100.7"))
                .as("the proxy's line names the same client").isEqualTo(429);
        assertThat(REDIS.redis().command("KEYS", "ratelimit:searching:*")).contains("{ip=198.51.100.7}");
    }

    @Test
    void a_method_annotation_overrides_the_class_annotation() {
        HttpResponse<String> inherited = get("/rest/classwide");
        assertThat(header(inherited, "X-RateLimit-Limit")).isEqualTo("3");
        HttpResponse<String> own = get("/rest/classwide/own");
        assertThat(header(own, "X-RateLimit-Limit")).isEqualTo("1");
        assertThat(get("/rest/classwide/own").statusCode()).isEqualTo(429);
        assertThat(header(get("/rest/classwide"), "X-RateLimit-Remaining")).as("the class limit is not charged by own()")
                .isEqualTo("1");
        assertThat(REDIS.redis().command("KEYS", "ratelimit:classwide:*").split("\n")).hasSize(1);
    }

    @Test
    void route_is_the_resource_template_so_different_ids_share_a_bucket() {
        assertThat(header(get("/rest/orders/1"), "X-RateLimit-Remaining")).isEqualTo("1");
        assertThat(header(get("/rest/orders/2"), "X-RateLimit-Remaining")).isEqualTo("0");
        assertThat(get("/rest/orders/3").statusCode()).isEqualTo(429);
        assertThat(REDIS.redis().command("KEYS", "ratelimit:orders:*"))
                .isEqualTo("ratelimit:orders:Orders%23find:*:/orders/%7Bid%7D:*:{all}:fw:3600000");
    }

    @Test
    void user_keys_see_the_principal_of_an_authentication_filter() {
        assertThat(get("/rest/me", "X-User", "alice").body()).isEqualTo("alice");
        assertThat(header(get("/rest/me", "X-User", "alice"), "X-RateLimit-Remaining")).isEqualTo("0");
        assertThat(get("/rest/me", "X-User", "alice").statusCode()).isEqualTo(429);
        HttpResponse<String> bob = get("/rest/me", "X-User", "bob");
        assertThat(bob.statusCode()).isEqualTo(200);
        assertThat(header(bob, "X-RateLimit-Remaining")).isEqualTo("1");
        assertThat(REDIS.redis().command("KEYS", "ratelimit:user:*{user=alice}*")).isNotEmpty();
    }

    @Test
    void a_concurrency_limit_holds_2_requests_of_a_user_in_flight_and_gives_permits_back_also_after_a_mapped_exception()
            throws Exception {
        TestApplications.Concurrent.ARRIVED.drainPermits();
        TestApplications.Concurrent.open = new CountDownLatch(1);
        ExecutorService clients = Executors.newFixedThreadPool(2);
        try {
            List<Future<HttpResponse<String>>> held = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                held.add(clients.submit(() -> get("/rest/concurrent", "X-User", "carol")));
            }
            assertThat(TestApplications.Concurrent.ARRIVED.tryAcquire(2, 20, TimeUnit.SECONDS)).isTrue();
            HttpResponse<String> third = get("/rest/concurrent", "X-User", "carol");
            assertThat(third.statusCode()).isEqualTo(429);
            assertThat(header(third, "Retry-After")).isEqualTo("1");
            assertThat(third.body()).contains("\"code\":\"CONCURRENCY_LIMIT_EXCEEDED\"");
            assertThat(get("/rest/concurrent/fail", "X-User", "dave").statusCode()).as("another user").isEqualTo(418);
            TestApplications.Concurrent.open.countDown();
            for (Future<HttpResponse<String>> f : held) {
                assertThat(f.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            }
        } finally {
            TestApplications.Concurrent.open.countDown();
            clients.shutdownNow();
        }
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> failed = get("/rest/concurrent/fail", "X-User", "carol");
            assertThat(failed.statusCode()).as("permits came back, also from the mapped exceptions").isEqualTo(418);
            assertThat(header(failed, "X-RateLimit-Remaining")).isEqualTo("1");
        }
    }

    @Test
    void a_concurrency_permit_is_held_until_a_streaming_entity_is_written() throws Exception {
        streamingHoldsItsPermitUntilWritten(app);
        assertThat(permitsHeld()).isZero();
    }

    /** With limit 1, a second request of the user is refused while the first one's entity is still being written. */
    private static void streamingHoldsItsPermitUntilWritten(String app) throws Exception {
        TestApplications.Held.STREAMING.drainPermits();
        TestApplications.Held.finish = new CountDownLatch(1);
        ExecutorService client = Executors.newSingleThreadExecutor();
        try {
            Future<HttpResponse<String>> streaming =
                    client.submit(() -> tomcat.get(app + "/rest/held/streaming", "X-User", "erin"));
            assertThat(TestApplications.Held.STREAMING.tryAcquire(20, TimeUnit.SECONDS)).as("entity being written").isTrue();

            HttpResponse<String> during = tomcat.get(app + "/rest/held/plain", "X-User", "erin");
            assertThat(during.statusCode()).as("while the first response's entity is being written").isEqualTo(429);
            assertThat(during.body()).contains("\"code\":\"CONCURRENCY_LIMIT_EXCEEDED\"");
            assertThat(tomcat.get(app + "/rest/held/plain", "X-User", "ivan").statusCode()).as("another user")
                    .isEqualTo(200);

            TestApplications.Held.finish.countDown();
            HttpResponse<String> streamed = streaming.get(20, TimeUnit.SECONDS);
            assertThat(streamed.statusCode()).isEqualTo(200);
            assertThat(streamed.body()).isEqualTo("start end");
        } finally {
            TestApplications.Held.finish.countDown();
            client.shutdownNow();
        }
        assertThat(tomcat.get(app + "/rest/held/plain", "X-User", "erin").statusCode())
                .as("after the entity was written").isEqualTo(200);
    }

    /**
     * What each part does alone: the writer interceptor and the response filter give permits back without
     * the request listener; an unmapped exception's permit only the request listener gives back.
     */
    @Test
    void without_the_request_listener_the_interceptor_and_response_filter_still_give_permits_back() throws Exception {
        JaxrsTomcat.Deployment bare = tomcat.deployWithoutRequestListener("/bare" + APPS.incrementAndGet(), runtime(),
                TestApplications.Good.class, contextParams());
        assertThat(bare.failure).as("deployment failure").isNull();
        String bareApp = bare.context.getPath();
        try {
            streamingHoldsItsPermitUntilWritten(bareApp);
            for (int i = 0; i < 2; i++) {
                assertThat(tomcat.get(bareApp + "/rest/held/plain", "X-User", "jack").statusCode()).isEqualTo(200);
                assertThat(tomcat.get(bareApp + "/rest/held/empty", "X-User", "jack").statusCode()).isEqualTo(204);
                assertThat(tomcat.get(bareApp + "/rest/held/mapped", "X-User", "jack").statusCode()).isEqualTo(418);
                assertThat(tomcat.send("HEAD", bareApp + "/rest/held/plain", HttpRequest.BodyPublishers.noBody(),
                        "X-User", "jack").statusCode()).isEqualTo(200);
            }
            assertThat(permitsHeld()).isZero();

            assertThat(tomcat.get(bareApp + "/rest/held/unmapped", "X-User", "kate").statusCode()).isEqualTo(500);
            assertThat(tomcat.get(bareApp + "/rest/held/plain", "X-User", "kate").statusCode())
                    .as("no JAX-RS filter or interceptor runs after an unmapped exception: only the request listener"
                            + " gives its permit back").isEqualTo(429);
            assertThat(permitsHeld()).isEqualTo(1);
        } finally {
            tomcat.undeploy(bare.context);
        }
    }

    @Test
    void a_suspended_request_holds_its_concurrency_permit_until_it_is_resumed_and_written() throws Exception {
        TestApplications.Held.SUSPENDED.clear();
        ExecutorService client = Executors.newSingleThreadExecutor();
        try {
            Future<HttpResponse<String>> suspended = client.submit(() -> get("/rest/held/suspended", "X-User", "lena"));
            AsyncResponse waiting = TestApplications.Held.SUSPENDED.poll(20, TimeUnit.SECONDS);
            assertThat(waiting).as("request suspended").isNotNull();
            assertThat(get("/rest/held/plain", "X-User", "lena").statusCode()).as("while suspended").isEqualTo(429);

            waiting.resume("resumed");
            HttpResponse<String> resumed = suspended.get(20, TimeUnit.SECONDS);
            assertThat(resumed.statusCode()).isEqualTo(200);
            assertThat(resumed.body()).isEqualTo("resumed");
            assertThat(header(resumed, "X-RateLimit-Remaining")).isEqualTo("0");
        } finally {
            AsyncResponse left = TestApplications.Held.SUSPENDED.poll();
            if (left != null) {
                left.cancel();
            }
            client.shutdownNow();
        }
        assertThat(get("/rest/held/plain", "X-User", "lena").statusCode()).as("after the response").isEqualTo(200);
        assertThat(permitsHeld()).isZero();
    }

    @Test
    void a_concurrency_permit_comes_back_when_an_exception_no_mapper_handles_ends_the_request() {
        for (int i = 0; i < 2; i++) {
            assertThat(get("/rest/held/unmapped", "X-User", "frank").statusCode()).as("the container's answer").isEqualTo(500);
            assertThat(get("/rest/held/plain", "X-User", "frank").statusCode())
                    .as("the permit came back when the Servlet request ended").isEqualTo(200);
        }
        assertThat(permitsHeld()).isZero();
    }

    @Test
    void a_concurrency_permit_comes_back_after_an_exception_mapped_to_a_response_with_an_entity() {
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> mapped = get("/rest/held/mapped", "X-User", "gina");
            assertThat(mapped.statusCode()).isEqualTo(418);
            assertThat(mapped.body()).isEqualTo("refused");
            assertThat(header(mapped, "X-RateLimit-Remaining")).isEqualTo("0");
            assertThat(get("/rest/held/plain", "X-User", "gina").statusCode()).as("the permit came back").isEqualTo(200);
        }
        assertThat(permitsHeld()).isZero();
    }

    @ParameterizedTest
    @CsvSource({"/rest/held/plain, 200", "/rest/held/empty, 204"})
    void a_concurrency_permit_is_given_back_exactly_once_with_or_without_an_entity(String path, int status) {
        assertThat(get(path, "X-User", "hank").statusCode()).as("warm-up: the scripts are loaded").isEqualTo(status);
        for (int i = 0; i < 3; i++) {
            long before = REDIS.redis().scriptCalls();
            HttpResponse<String> response = get(path, "X-User", "hank");
            long calls = REDIS.redis().scriptCalls() - before;
            assertThat(response.statusCode()).isEqualTo(status);
            assertThat(header(response, "X-RateLimit-Limit")).isEqualTo("1");
            assertThat(header(response, "X-RateLimit-Remaining")).as("this request holds the only permit").isEqualTo("0");
            assertThat(calls).as("Redis script calls: one acquire, one release").isEqualTo(2);
            assertThat(permitsHeld()).isZero();
        }
    }

    /** Holders of the {@code held} policy's permits now, over all its keys. */
    private static long permitsHeld() {
        long held = 0;
        for (String key : REDIS.redis().command("KEYS", "ratelimit:held:*").split("\n")) {
            if (!key.isEmpty()) {
                held += Long.parseLong(REDIS.redis().command("ZCARD", key));
            }
        }
        return held;
    }


    @Test
    void repeated_annotations_are_independent_policies_and_the_first_denial_answers() {
        HttpResponse<String> first = get("/rest/twice", "X-Api-Key", "k1");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(header(first, "X-RateLimit-Limit")).as("per-key has fewer left").isEqualTo("2");
        assertThat(get("/rest/twice", "X-Api-Key", "k1").statusCode()).isEqualTo(200);

        HttpResponse<String> perKey = get("/rest/twice", "X-Api-Key", "k1");
        assertThat(perKey.statusCode()).isEqualTo(429);
        assertThat(header(perKey, "X-RateLimit-Limit")).isEqualTo("2");

        HttpResponse<String> otherKey = get("/rest/twice", "X-Api-Key", "k2");
        assertThat(otherKey.statusCode()).as("the denial above did not charge per-ip").isEqualTo(200);
        assertThat(header(otherKey, "X-RateLimit-Limit")).isEqualTo("3");
        assertThat(header(otherKey, "X-RateLimit-Remaining")).isEqualTo("0");

        HttpResponse<String> perIp = get("/rest/twice", "X-Api-Key", "k3");
        assertThat(perIp.statusCode()).isEqualTo(429);
        assertThat(header(perIp, "X-RateLimit-Limit")).isEqualTo("3");
    }

    @Test
    void a_named_policy_takes_its_numbers_from_context_params() {
        HttpResponse<String> first = get("/rest/search");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(header(first, "X-RateLimit-Limit")).isEqualTo("2");
        get("/rest/search");
        assertThat(get("/rest/search").statusCode()).isEqualTo(429);
        assertThat(REDIS.redis().command("KEYS", "ratelimit:searching:*"))
                .as("scope from the configuration, key from the annotation")
                .isEqualTo("ratelimit:searching:search:*:/search:*:{ip=127.0.0.1}:fw:3600000");
    }

    @Test
    void a_named_policy_follows_live_overrides_made_on_another_instance() throws Exception {
        String otherPath = app + "b";
        JaxrsTomcat.Deployment other = tomcat.deploy(otherPath, runtime(), TestApplications.Good.class, contextParams(), null);
        try {
            assertThat(other.failure).as("deployment failure").isNull();
            invoke(app, "setLimits", "search", "5/1h");
            awaitOn(otherPath + "/rest/search", "setLimits reaches the other instance", r -> "5".equals(header(r, "X-RateLimit-Limit")));

            invoke(app, "blockIdentity", "search", "ip=127.0.0.1", "1h");
            HttpResponse<String> blocked = awaitOn(otherPath + "/rest/search", "the block reaches the other instance",
                    r -> r.statusCode() == 403);
            assertThat(blocked.body()).contains("\"code\":\"ACCESS_DENIED\"");
            assertThat(header(blocked, "X-RateLimit-Limit")).isNull();
            assertThat(header(blocked, "Retry-After")).isNull();
            assertThat(get("/rest/search").statusCode()).as("blocked on this instance too").isEqualTo(403);
            assertThat(get("/rest/orders/1").statusCode()).as("other policies do not block").isNotEqualTo(403);

            invoke(app, "unblockIdentity", "search", "ip=127.0.0.1");
            awaitOn(otherPath + "/rest/search", "unblocked", r -> r.statusCode() == 200);
            invoke(app, "clearLimits", "search");
            awaitOn(otherPath + "/rest/search", "the configured limits again", r -> "2".equals(header(r, "X-RateLimit-Limit")));
        } finally {
            tomcat.undeploy(other.context);
        }
    }

    private static Object invoke(String path, String operation, String... args) throws Exception {
        String[] signature = new String[args.length];
        Arrays.fill(signature, String.class.getName());
        return java.lang.management.ManagementFactory.getPlatformMBeanServer().invoke(new javax.management.ObjectName(
                "dev.ratelimit:app=" + dev.ratelimit.core.metrics.JmxNames.applicationName(path) + ",type=Control,name=control"),
                operation, args, signature);
    }

    /** Sends requests until one answers as expected; fails after 15 s (the requirement is 2 s; this machine is shared). */
    private static HttpResponse<String> awaitOn(String pathAndQuery, String what,
                                                java.util.function.Predicate<HttpResponse<String>> expected) throws InterruptedException {
        long start = System.nanoTime();
        while (true) {
            HttpResponse<String> response = tomcat.get(pathAndQuery);
            if (expected.test(response)) {
                System.out.println("[live-overrides] " + what + ": " + (System.nanoTime() - start) / 1_000_000 + " ms");
                return response;
            }
            assertThat(System.nanoTime() - start).as(what + "; last " + response.statusCode() + " " + response.headers().map())
                    .isLessThan(15_000_000_000L);
            Thread.sleep(20);
        }
    }

    @Test
    void a_sliding_window_admits_its_limit_then_denies_until_the_oldest_permit_frees() {
        long start = System.currentTimeMillis() / 1000;
        for (int remaining = 2; remaining >= 0; remaining--) {
            HttpResponse<String> admitted = get("/rest/sliding");
            assertThat(admitted.statusCode()).isEqualTo(200);
            assertThat(header(admitted, "X-RateLimit-Limit")).isEqualTo("3");
            assertThat(header(admitted, "X-RateLimit-Remaining")).isEqualTo(String.valueOf(remaining));
            assertThat(Long.parseLong(header(admitted, "X-RateLimit-Reset"))).as("when the first permit frees")
                    .isBetween(start + 3_599, System.currentTimeMillis() / 1000 + 3_601);
        }

        HttpResponse<String> denied = get("/rest/sliding");
        assertThat(denied.statusCode()).isEqualTo(429);
        assertThat(header(denied, "X-RateLimit-Remaining")).isEqualTo("0");
        assertThat(Long.parseLong(header(denied, "Retry-After"))).isBetween(3_590L, 3_600L);

        String key = REDIS.redis().command("KEYS", "ratelimit:sliding:*");
        assertThat(key).as("one key, named for the sliding window").endsWith(":sw:3600000");
        assertThat(REDIS.redis().command("TYPE", key)).isEqualTo("list");
        assertThat(REDIS.redis().command("LLEN", key)).as("one time per admitted request").isEqualTo("3");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "BadLimitsApp      | BadLimits#get (attribute limits): Invalid value 'lots' for parameter 'limits'",
            "BadFailureModeApp | (attribute failureMode): Invalid value 'sometimes' for parameter 'failure-mode'",
            "BadCostApp        | BadCost#get (attribute cost): Invalid value '6' for parameter 'cost'",
            "ConcurrencyPrefetchApp | (attribute prefetch): Invalid value '5' for parameter 'prefetch': 1 with algorithm 'concurrency'",
            "UnknownPolicyApp  | (attribute policy): no policy named 'nope' is configured",
            "BrokenPolicyApp   | (context-param ratelimit.policy.broken.limits): Invalid value 'often'",
            "SameKeyTwiceApp   | two annotations count with scope 'api'",
            "IpAndUserApp      | two annotations count with scope 'api'",
            "SamePartsReorderedApp | two annotations count with scope 'api'",
    })
    void a_bad_annotation_fails_the_deployment_naming_what_is_wrong(String application, String message) throws Exception {
        @SuppressWarnings("unchecked")
        Class<? extends Application> app = (Class<? extends Application>) Class.forName(
                TestApplications.class.getName() + "$" + application);
        JaxrsTomcat.Deployment bad = tomcat.deploy("/bad" + APPS.incrementAndGet(), runtime(), app, contextParams(), null);
        assertThat(bad.context.getState().isAvailable()).as("deployed").isFalse();
        assertThat(messages(bad.failure)).contains(message);
        tomcat.undeploy(bad.context);
    }

    @Test
    void reads_no_parameter_from_system_properties_but_the_redis_url() throws Exception {
        Map<String, String> params = contextParams();
        params.remove("ratelimit.redis-url");
        System.setProperty("ratelimit.redis-url", REDIS.url());
        System.setProperty("ratelimit.cost", "2");
        System.setProperty("ratelimit.policy.nope.limits", "1/1h");
        try {
            JaxrsTomcat.Deployment small = tomcat.deploy("/sysprops" + APPS.incrementAndGet(), runtime(),
                    TestApplications.Small.class, params, null);
            assertThat(small.failure).as("deployment failure").isNull();
            HttpResponse<String> first = tomcat.get(small.context.getPath() + "/rest/orders/1");
            assertThat(header(first, "X-RateLimit-Remaining")).as("system property ratelimit.cost ignored").isEqualTo("1");
            assertThat(REDIS.redis().command("KEYS", "ratelimit:orders:*")).as("counted in the Redis of the system property")
                    .isNotEmpty();
            tomcat.undeploy(small.context);

            JaxrsTomcat.Deployment unknown = tomcat.deploy("/bad" + APPS.incrementAndGet(), runtime(),
                    TestApplications.UnknownPolicyApp.class, params, null);
            assertThat(unknown.context.getState().isAvailable()).as("deployed").isFalse();
            assertThat(messages(unknown.failure)).as("system property ratelimit.policy.nope.limits ignored")
                    .contains("no policy named 'nope' is configured");
            tomcat.undeploy(unknown.context);
        } finally {
            System.clearProperty("ratelimit.redis-url");
            System.clearProperty("ratelimit.cost");
            System.clearProperty("ratelimit.policy.nope.limits");
        }
    }

    @Test
    void a_named_policy_is_changed_through_the_policy_file() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("policy-file");
        java.nio.file.Path file = dir.resolve("ratelimit-policies.properties");
        java.nio.file.Files.write(file, "search.limits=3/1h\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Map<String, String> params = contextParams();
        params.put("ratelimit.config-file", file.toString());
        String path = "/file" + APPS.incrementAndGet();
        JaxrsTomcat.Deployment deployment = tomcat.deploy(path, runtime(), TestApplications.Good.class, params, null);
        try {
            assertThat(deployment.failure).as("deployment failure").isNull();
            assertThat(header(tomcat.get(path + "/rest/search"), "X-RateLimit-Limit")).as("the file over web.xml").isEqualTo("3");
            java.nio.file.Path next = dir.resolve("next.tmp");
            java.nio.file.Files.write(next, "search.limits=5/1h\nsearch.deny-addresses=198.51.100.66\n"
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            java.nio.file.Files.move(next, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            long end = System.currentTimeMillis() + 20_000;
            while (!"5".equals(header(tomcat.get(path + "/rest/search"), "X-RateLimit-Limit"))) {
                assertThat(System.currentTimeMillis()).as("the edit applied").isLessThan(end);
                Thread.sleep(25);
            }
            HttpResponse<String> denied = tomcat.get(path + "/rest/search", "X-Forwarded-For", "198.51.100.66");
            assertThat(denied.statusCode()).isEqualTo(403);
            assertThat(denied.body()).contains("\"code\":\"ACCESS_DENIED\"");
            assertThat(tomcat.get(path + "/rest/orders/1", "X-Forwarded-For", "198.51.100.66").statusCode())
                    .as("another policy's list does not apply").isEqualTo(200);

            // The response formats are policy parameters too: the file changes them, the deny list answers in them.
            java.nio.file.Files.write(next, ("search.limits=5/1h\nsearch.deny-addresses=198.51.100.66\n"
                    + "search.headers=ietf\nsearch.error-format=problem\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            java.nio.file.Files.move(next, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            while (header(tomcat.get(path + "/rest/search"), "RateLimit-Policy") == null) {
                assertThat(System.currentTimeMillis()).as("the format edit applied").isLessThan(end + 20_000);
                Thread.sleep(25);
            }
            assertThat(header(tomcat.get(path + "/rest/search"), "X-RateLimit-Limit")).as("headers=ietf only").isNull();
            HttpResponse<String> deniedAsProblem = tomcat.get(path + "/rest/search", "X-Forwarded-For", "198.51.100.66");
            assertThat(deniedAsProblem.statusCode()).isEqualTo(403);
            assertThat(header(deniedAsProblem, "Content-Type")).startsWith("application/problem+json");
            assertThat(deniedAsProblem.body()).contains("\"code\":\"ACCESS_DENIED\"").contains("\"status\":403");
        } finally {
            tomcat.undeploy(deployment.context);
        }
    }

    @Test
    void a_bad_policy_file_fails_the_deployment_naming_its_line() throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("policy-file", ".properties");
        java.nio.file.Files.write(file, "\nsearch.limits=often\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Map<String, String> params = contextParams();
        params.put("ratelimit.config-file", file.toString());
        JaxrsTomcat.Deployment bad = tomcat.deploy("/bad" + APPS.incrementAndGet(), runtime(), TestApplications.Good.class,
                params, null);
        assertThat(bad.context.getState().isAvailable()).as("deployed").isFalse();
        assertThat(messages(bad.failure)).contains("line 2 'search.limits=often'").contains("Invalid value 'often'");
        tomcat.undeploy(bad.context);
    }

    @Test
    void a_misspelled_context_param_fails_the_deployment_naming_the_closest_known_one() throws Exception {
        Map<String, String> params = contextParams();
        params.put("ratelimit.policy.search.limts", "5/1m");
        JaxrsTomcat.Deployment bad = tomcat.deploy("/bad" + APPS.incrementAndGet(), runtime(), TestApplications.Good.class,
                params, null);
        assertThat(bad.context.getState().isAvailable()).as("deployed").isFalse();
        assertThat(messages(bad.failure))
                .contains("Unknown parameter 'ratelimit.policy.search.limts' for policy 'search': did you mean 'limits'?");
        tomcat.undeploy(bad.context);
    }

    private static String messages(Throwable failure) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            all.append(t).append('\n');
        }
        return all.toString();
    }

    @Test
    void redeploying_10_times_leaves_no_redis_connections_behind() throws Exception {
        Thread.sleep(200);
        long before = ratelimitClients();
        for (int i = 0; i < 10; i++) {
            REDIS.redis().flushAll();
            JaxrsTomcat.Deployment app = tomcat.deploy("/redeploy", runtime(), TestApplications.Small.class,
                    contextParams(), null);
            assertThat(tomcat.get("/redeploy/rest/orders/1").statusCode()).isEqualTo(200);
            assertThat(app.context.getServletContext().getAttribute(ApplicationRuntime.ATTRIBUTE)).isNotNull();
            tomcat.undeploy(app.context);
        }
        long deadline = System.currentTimeMillis() + 10_000;
        while (ratelimitClients() > before && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertThat(ratelimitClients()).as("Redis connections named 'ratelimit'").isLessThanOrEqualTo(before);
    }

    private static long ratelimitClients() {
        return Arrays.stream(REDIS.redis().command("CLIENT", "LIST").split("\n"))
                .filter(line -> line.contains(" name=ratelimit ")).count();
    }
}
