package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
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

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.ratelimit.testing.OkServlet;
import dev.ratelimit.testing.StructuredFields;
import dev.ratelimit.testing.StructuredFields.Item;
import dev.ratelimit.testing.TestRedisExtension;

/**
 * The init-params {@code headers} and {@code error-format} through the filter, in a real Tomcat 9 against
 * a real Redis: the IETF fields parsed as RFC 8941 Lists, every refusal's body parsed as RFC 9457 JSON.
 */
class ResponseFormatFilterTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    private static final String GITHUB_SECRET = "It's a Secret to Everybody";
    private static final String GITHUB_PAYLOAD = "Hello, World!";
    private static final String GITHUB_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    private static final String GITHUB_PROPERTY = "test.response-format.github-secret";

    private static final AtomicInteger APPS = new AtomicInteger();
    private static EmbeddedTomcat tomcat;

    @BeforeAll
    static void start() {
        System.setProperty(GITHUB_PROPERTY, GITHUB_SECRET);
        tomcat = new EmbeddedTomcat();
    }

    @AfterAll
    static void stop() {
        tomcat.close();
        System.clearProperty(GITHUB_PROPERTY);
    }

    @BeforeEach
    void cleanRedis() {
        REDIS.redis().flushAll();
    }

    private static Map<String, String> params(String... keyValues) {
        return EmbeddedTomcat.filterParams(REDIS.url(), keyValues);
    }

    private static String deploy(Map<String, String> params) {
        String app = "/formats" + APPS.incrementAndGet();
        Context context = tomcat.deploy(app, params, Map.of());
        assertThat(context.getState().isAvailable()).as("deployed").isTrue();
        return app;
    }

    private static Item rateLimit(HttpResponse<String> response) {
        List<String> lines = response.headers().allValues("RateLimit");
        assertThat(lines).as("one RateLimit field").hasSize(1);
        List<Item> items = StructuredFields.parseItemList(lines.get(0));
        assertThat(items).as("RateLimit reports the binding limit only").hasSize(1);
        return items.get(0);
    }

    private static List<Item> ratelimitPolicy(HttpResponse<String> response) {
        return StructuredFields.parseItemList(String.join(", ", response.headers().allValues("RateLimit-Policy")));
    }

    /** The body as RFC 9457 problem details with our members; returns it for more checks. */
    static JsonObject problem(HttpResponse<String> response, int status, String code) {
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        JsonObject problem = JsonParser.parseString(response.body()).getAsJsonObject();
        assertThat(problem.get("type").getAsString())
                .isEqualTo("https://ratelimit.dev/problems/" + code.toLowerCase().replace('_', '-'));
        assertThat(problem.get("title").getAsString()).isNotBlank();
        assertThat(problem.get("status").getAsInt()).isEqualTo(status);
        assertThat(problem.get("detail").getAsString()).isNotBlank();
        assertThat(problem.get("code").getAsString()).isEqualTo(code);
        if (response.headers().firstValue("Retry-After").isPresent()) {
            assertThat(problem.get("retryAfter").getAsLong())
                    .isEqualTo(Long.parseLong(response.headers().firstValue("Retry-After").orElseThrow()));
        } else {
            assertThat(problem.has("retryAfter")).isFalse();
        }
        return problem;
    }

    @Test
    void ietf_fields_name_every_limit_and_the_binding_one_and_retry_after_is_not_earlier_than_t() {
        String app = deploy(params("limits", "2/1h, 100/1d", "headers", "ietf", "policy-name", "orders"));
        HttpResponse<String> first = tomcat.get(app + "/x");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("X-RateLimit-Limit")).as("no legacy fields").isEmpty();
        List<Item> quota = ratelimitPolicy(first);
        assertThat(quota).extracting(Item::value).containsExactly("orders/1h", "orders/1d");
        assertThat(quota.get(0).params()).containsExactly(Map.entry("q", 2L), Map.entry("w", 3600L));
        assertThat(quota.get(1).params()).containsExactly(Map.entry("q", 100L), Map.entry("w", 86400L));
        Item limit = rateLimit(first);
        assertThat(limit.value()).isEqualTo("orders/1h");
        assertThat(limit.param("r")).isEqualTo(1L);
        assertThat((Long) limit.param("t")).isBetween(3_590L, 3_600L);

        tomcat.get(app + "/x");
        HttpResponse<String> denied = tomcat.get(app + "/x");
        assertThat(denied.statusCode()).isEqualTo(429);
        assertThat(denied.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        Item deniedLimit = rateLimit(denied);
        assertThat(deniedLimit.value()).isEqualTo("orders/1h");
        assertThat(deniedLimit.param("r")).isEqualTo(0L);
        long retryAfter = (Long) StructuredFields.parseItem(denied.headers().firstValue("Retry-After").orElseThrow()).value();
        assertThat(retryAfter).isGreaterThanOrEqualTo((Long) deniedLimit.param("t"));
    }

    @Test
    void both_sends_legacy_and_ietf_fields_and_none_sends_neither() {
        HttpResponse<String> both = tomcat.get(deploy(params("limits", "5/1m", "headers", "both")) + "/x");
        assertThat(both.headers().firstValue("X-RateLimit-Remaining")).hasValue("4");
        assertThat(rateLimit(both).param("r")).isEqualTo(4L);
        HttpResponse<String> none = tomcat.get(deploy(params("limits", "5/1m", "headers", "none")) + "/x");
        assertThat(none.statusCode()).isEqualTo(200);
        assertThat(none.headers().map().keySet()).noneMatch(name -> name.toLowerCase().contains("ratelimit"));
    }

    @Test
    void two_filters_on_one_request_report_the_binding_policy_in_the_ietf_fields() {
        String app = "/formats" + APPS.incrementAndGet();
        tomcat.deploy(app, List.of(params("limits", "5/1m", "scope", "outer", "headers", "ietf"),
                params("limits", "100/1m", "scope", "inner", "headers", "ietf")), Map.of(), new OkServlet());
        tomcat.get(app + "/x");
        HttpResponse<String> second = tomcat.get(app + "/x");
        assertThat(rateLimit(second).value()).as("the outer filter's tighter limit").isEqualTo("limit");
        assertThat(rateLimit(second).param("r")).isEqualTo(3L);
        assertThat(ratelimitPolicy(second)).extracting(Item::value).containsExactly("limit");

        String denying = "/formats" + APPS.incrementAndGet();
        tomcat.deploy(denying, List.of(params("limits", "100/1m", "scope", "outer", "headers", "ietf"),
                params("limits", "1/1m", "scope", "inner", "headers", "ietf", "error-format", "problem")),
                Map.of(), new OkServlet());
        tomcat.get(denying + "/x");
        HttpResponse<String> denied = tomcat.get(denying + "/x");
        assertThat(rateLimit(denied).value()).as("the inner filter's denial").isEqualTo("limit2");
        assertThat(problem(denied, 429, "RATE_LIMIT_EXCEEDED").get("policy").getAsString()).isEqualTo("limit2");
    }

    @Test
    void rate_limit_exceeded_as_problem_details() {
        String app = deploy(params("limits", "1/1h", "error-format", "problem", "policy-name", "api \"v2\""));
        tomcat.get(app + "/x");
        JsonObject problem = problem(tomcat.get(app + "/x"), 429, "RATE_LIMIT_EXCEEDED");
        assertThat(problem.get("policy").getAsString()).isEqualTo("api \"v2\"");
        assertThat(problem.get("retryAfter").getAsLong()).isBetween(3_590L, 3_600L);
    }

    @Test
    void rate_limiter_unavailable_as_problem_details() throws IOException {
        int deadPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            deadPort = socket.getLocalPort();
        }
        String app = deploy(params("redis-url", "redis://127.0.0.1:" + deadPort, "limits", "5/1m", "failure-mode", "closed",
                "timeout", "200ms", "connect-timeout", "200ms", "error-format", "problem", "headers", "both"));
        HttpResponse<String> closed = tomcat.get(app + "/x");
        assertThat(problem(closed, 503, "RATE_LIMITER_UNAVAILABLE").get("policy").getAsString()).isEqualTo("limit");
        assertThat(closed.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(closed.headers().firstValue("RateLimit")).as("nothing was counted").isEmpty();
    }

    @Test
    void concurrency_limit_exceeded_as_problem_details_with_concurrent_request_units() throws Exception {
        ConcurrencyFilterTest.HeldServlet servlet = new ConcurrencyFilterTest.HeldServlet();
        String app = "/formats" + APPS.incrementAndGet();
        tomcat.deploy(app, params("algorithm", "concurrency", "limits", "1/30s", "headers", "ietf", "error-format", "problem"),
                Map.of(), servlet);
        ExecutorService client = Executors.newSingleThreadExecutor();
        try {
            Future<HttpResponse<String>> held = client.submit(() -> tomcat.get(app + "/sync"));
            assertThat(servlet.arrived.tryAcquire(20, TimeUnit.SECONDS)).as("the first request runs").isTrue();
            HttpResponse<String> refused = tomcat.get(app + "/sync");
            assertThat(problem(refused, 429, "CONCURRENCY_LIMIT_EXCEEDED").get("policy").getAsString()).isEqualTo("limit");
            Item quota = ratelimitPolicy(refused).get(0);
            assertThat(quota.params()).containsExactly(Map.entry("q", 1L), Map.entry("qu", "concurrent-requests"));
            assertThat(rateLimit(refused).params()).containsExactly(Map.entry("r", 0L));
            servlet.open.countDown();
            assertThat(held.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        } finally {
            servlet.open.countDown();
            client.shutdownNow();
        }
    }

    private static String webhook(String... keyValues) {
        Map<String, String> params = params("limits", "5/1h", "scope", "webhook", "webhook-scheme", "github",
                "webhook-secret-property", GITHUB_PROPERTY, "error-format", "problem", "policy-name", "github");
        for (int i = 0; i < keyValues.length; i += 2) {
            params.put(keyValues[i], keyValues[i + 1]);
        }
        return deploy(params);
    }

    private static HttpResponse<String> github(String app, String body, String signature) {
        return tomcat.post(app + "/hook", body.getBytes(StandardCharsets.UTF_8), "X-Hub-Signature-256", signature);
    }

    @Test
    void webhook_refusals_as_problem_details() {
        String app = webhook("webhook-bad-signature-limits", "2/1m", "webhook-max-body", "8");
        assertThat(problem(github(app, "a forged body", GITHUB_SIGNATURE), 413, "PAYLOAD_TOO_LARGE")
                .get("detail").getAsString()).contains("8 bytes");

        String other = webhook("webhook-bad-signature-limits", "2/1m");
        JsonObject invalid = problem(github(other, "forged", GITHUB_SIGNATURE), 401, "INVALID_SIGNATURE");
        assertThat(invalid.get("policy").getAsString()).isEqualTo("github");
        github(other, "forged", GITHUB_SIGNATURE);
        JsonObject tooMany = problem(github(other, "forged", GITHUB_SIGNATURE), 429, "RATE_LIMIT_EXCEEDED");
        assertThat(tooMany.get("policy").getAsString()).as("the limit that denied").isEqualTo("github-bad-signature");

        String replays = webhook();
        assertThat(github(replays, GITHUB_PAYLOAD, GITHUB_SIGNATURE).statusCode()).isEqualTo(200);
        problem(github(replays, GITHUB_PAYLOAD, GITHUB_SIGNATURE), 409, "REPLAYED_WEBHOOK");
    }

    @Test
    void unknown_format_values_fail_the_deployment() {
        Context headers = tomcat.deploy("/bad" + APPS.incrementAndGet(), params("limits", "5/1m", "headers", "draft"), Map.of());
        assertThat(headers.getState().isAvailable()).isFalse();
        Context errors = tomcat.deploy("/bad" + APPS.incrementAndGet(), params("limits", "5/1m", "error-format", "xml"), Map.of());
        assertThat(errors.getState().isAvailable()).isFalse();
    }
}
