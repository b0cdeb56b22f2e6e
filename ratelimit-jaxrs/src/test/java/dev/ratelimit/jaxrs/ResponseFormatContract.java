package dev.ratelimit.jaxrs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.management.ObjectName;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.ratelimit.core.metrics.JmxNames;
import dev.ratelimit.testing.StructuredFields;
import dev.ratelimit.testing.StructuredFields.Item;
import dev.ratelimit.testing.TestRedisExtension;

/**
 * {@code headers} and {@code error-format} for {@code @RateLimited} (attributes and named policies), in a
 * real JAX-RS runtime on a real Tomcat 9 against a real Redis: IETF fields parsed as RFC 8941 Lists,
 * every refusal's body parsed as RFC 9457 JSON. Every runtime we support runs it through a subclass.
 */
abstract class ResponseFormatContract {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    private static final String GITHUB_SECRET = "It's a Secret to Everybody";
    private static final String GITHUB_PAYLOAD = "Hello, World!";
    private static final String GITHUB_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    private static final AtomicInteger APPS = new AtomicInteger();
    private static JaxrsTomcat tomcat;
    private static int deadPort;
    private JaxrsTomcat.Deployment deployment;
    private String app;

    /** The runtime under test. */
    abstract JaxrsRuntime runtime();

    @BeforeAll
    static void start() throws IOException {
        System.setProperty(FormatApplications.GITHUB_PROPERTY, GITHUB_SECRET);
        try (ServerSocket socket = new ServerSocket(0)) {
            deadPort = socket.getLocalPort();
        }
        tomcat = new JaxrsTomcat();
    }

    @AfterAll
    static void stop() {
        tomcat.close();
        System.clearProperty(FormatApplications.GITHUB_PROPERTY);
    }

    @BeforeEach
    void deployOnACleanRedis() {
        REDIS.redis().flushAll();
        app = "/formats" + APPS.incrementAndGet();
        deployment = tomcat.deploy(app, runtime(), FormatApplications.Good.class, contextParams(), null);
        assertThat(deployment.failure).as("deployment failure").isNull();
    }

    @AfterEach
    void undeploy() {
        tomcat.undeploy(deployment.context);
    }

    private static Map<String, String> contextParams() {
        Map<String, String> params = new HashMap<>();
        params.put("ratelimit.redis-url", REDIS.url());
        params.put("ratelimit.timeout", "5s");
        params.put("ratelimit.connect-timeout", "5s");
        params.put("ratelimit.pool-max-wait", "5s");
        params.put("ratelimit.policy.tight.limits", "1/1h");
        params.put("ratelimit.policy.tight.scope", "tight");
        params.put("ratelimit.policy.tight.headers", "ietf");
        params.put("ratelimit.policy.tight.error-format", "problem");
        params.put("ratelimit.policy.down.limits", "5/1m");
        params.put("ratelimit.policy.down.redis-url", "redis://127.0.0.1:" + deadPort);
        params.put("ratelimit.policy.down.failure-mode", "closed");
        params.put("ratelimit.policy.down.timeout", "200ms");
        params.put("ratelimit.policy.down.connect-timeout", "200ms");
        params.put("ratelimit.policy.down.error-format", "problem");
        return params;
    }

    private HttpResponse<String> get(String path) {
        return tomcat.get(app + JaxrsTomcat.REST + path);
    }

    private HttpResponse<String> github(String body, String signature) {
        return tomcat.post(app + JaxrsTomcat.REST + "/hook", body.getBytes(StandardCharsets.UTF_8),
                "X-Hub-Signature-256", signature);
    }

    private static Item rateLimit(HttpResponse<String> response) {
        List<String> lines = response.headers().allValues("RateLimit");
        assertThat(lines).as("one RateLimit field").hasSize(1);
        List<Item> items = StructuredFields.parseItemList(lines.get(0));
        assertThat(items).hasSize(1);
        return items.get(0);
    }

    private static List<Item> ratelimitPolicy(HttpResponse<String> response) {
        return StructuredFields.parseItemList(String.join(", ", response.headers().allValues("RateLimit-Policy")));
    }

    private static JsonObject problem(HttpResponse<String> response, int status, String code) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
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
    void ietf_fields_and_problem_details_from_the_annotations_attributes() {
        HttpResponse<String> first = get("/formats/ietf");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("X-RateLimit-Limit")).as("no legacy fields").isEmpty();
        List<Item> quota = ratelimitPolicy(first);
        assertThat(quota).extracting(Item::value).containsExactly("Formats#ietf/1h", "Formats#ietf/1d");
        assertThat(quota.get(0).params()).containsExactly(Map.entry("q", 2L), Map.entry("w", 3600L));
        Item limit = rateLimit(first);
        assertThat(limit.value()).isEqualTo("Formats#ietf/1h");
        assertThat(limit.param("r")).isEqualTo(1L);
        assertThat((Long) limit.param("t")).isBetween(3_590L, 3_600L);

        get("/formats/ietf");
        HttpResponse<String> denied = get("/formats/ietf");
        JsonObject problem = problem(denied, 429, "RATE_LIMIT_EXCEEDED");
        assertThat(problem.get("policy").getAsString()).isEqualTo("Formats#ietf");
        Item deniedLimit = rateLimit(denied);
        assertThat(deniedLimit.param("r")).isEqualTo(0L);
        assertThat(Long.parseLong(denied.headers().firstValue("Retry-After").orElseThrow()))
                .isGreaterThanOrEqualTo((Long) deniedLimit.param("t"));
    }

    @Test
    void two_annotations_report_the_binding_one_with_the_named_policys_formats() {
        HttpResponse<String> first = get("/formats/twice");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(rateLimit(first).value()).as("the tighter of the two").isEqualTo("tight");
        assertThat(rateLimit(first).param("r")).isEqualTo(0L);
        HttpResponse<String> denied = get("/formats/twice");
        assertThat(problem(denied, 429, "RATE_LIMIT_EXCEEDED").get("policy").getAsString()).isEqualTo("tight");
        assertThat(rateLimit(denied).value()).isEqualTo("tight");
    }

    @Test
    void rate_limiter_unavailable_as_problem_details() {
        HttpResponse<String> closed = get("/formats/down");
        assertThat(problem(closed, 503, "RATE_LIMITER_UNAVAILABLE").get("policy").getAsString()).isEqualTo("down");
        assertThat(closed.headers().firstValue("Retry-After")).hasValue("1");
    }

    @Test
    void concurrency_limit_exceeded_as_problem_details() throws Exception {
        FormatApplications.Formats.open = new CountDownLatch(1);
        FormatApplications.Formats.ARRIVED.drainPermits();
        ExecutorService client = Executors.newSingleThreadExecutor();
        try {
            Future<HttpResponse<String>> held = client.submit(() -> get("/formats/concurrent"));
            assertThat(FormatApplications.Formats.ARRIVED.tryAcquire(20, TimeUnit.SECONDS)).as("the first request runs").isTrue();
            HttpResponse<String> refused = get("/formats/concurrent");
            assertThat(problem(refused, 429, "CONCURRENCY_LIMIT_EXCEEDED").get("policy").getAsString())
                    .isEqualTo("Formats#concurrent");
            assertThat(refused.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
            assertThat(ratelimitPolicy(refused).get(0).params())
                    .containsExactly(Map.entry("q", 1L), Map.entry("qu", "concurrent-requests"));
            assertThat(rateLimit(refused).params()).containsExactly(Map.entry("r", 0L));
            FormatApplications.Formats.open.countDown();
            assertThat(held.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        } finally {
            FormatApplications.Formats.open.countDown();
            client.shutdownNow();
        }
    }

    @Test
    void webhook_refusals_as_problem_details() {
        String large = "x".repeat(100);
        assertThat(problem(github(large, GITHUB_SIGNATURE), 413, "PAYLOAD_TOO_LARGE").get("detail").getAsString())
                .contains("64 bytes");
        assertThat(github(GITHUB_PAYLOAD, GITHUB_SIGNATURE).statusCode()).isEqualTo(200);
        JsonObject replay = problem(github(GITHUB_PAYLOAD, GITHUB_SIGNATURE), 409, "REPLAYED_WEBHOOK");
        assertThat(replay.get("policy").getAsString()).isEqualTo("Hook#text");
        problem(github("forged", GITHUB_SIGNATURE), 401, "INVALID_SIGNATURE");
        github("forged", GITHUB_SIGNATURE);
        JsonObject tooMany = problem(github("forged", GITHUB_SIGNATURE), 429, "RATE_LIMIT_EXCEEDED");
        assertThat(tooMany.get("policy").getAsString()).isEqualTo("Hook#text-bad-signature");
    }

    @Test
    void an_operators_block_answers_in_the_blocking_policys_error_format() throws Exception {
        String[] args = {"tight", "ip=127.0.0.1", "1h"};
        ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("dev.ratelimit:app="
                + JmxNames.applicationName(app) + ",type=Control,name=control"), "blockIdentity", args,
                new String[] {String.class.getName(), String.class.getName(), String.class.getName()});
        HttpResponse<String> blocked = get("/formats/twice");
        assertThat(problem(blocked, 403, "ACCESS_DENIED").get("policy").getAsString()).isEqualTo("tight");
        assertThat(blocked.headers().map()).doesNotContainKeys("RateLimit", "RateLimit-Policy", "Retry-After");
    }

    @Test
    void every_refusal_reaches_the_client_as_built_access_denied_included() {
        for (Map.Entry<String, dev.ratelimit.core.Answer> entry : FormatApplications.ANSWERS.entrySet()) {
            dev.ratelimit.core.Answer answer = entry.getValue();
            HttpResponse<String> response = tomcat.get(app + JaxrsTomcat.REST + "/answers?" + entry.getKey());
            JsonObject problem = problem(response, answer.status(), entry.getKey());
            assertThat(problem.get("policy").getAsString()).isEqualTo("writer");
            for (Map.Entry<String, String> header : answer.headers().entrySet()) {
                assertThat(response.headers().allValues(header.getKey())).as(header.getKey())
                        .containsExactly(header.getValue());
            }
        }
    }

    @Test
    void a_bad_headers_attribute_fails_the_deployment_naming_it() {
        JaxrsTomcat.Deployment failed = tomcat.deploy("/bad" + APPS.incrementAndGet(), runtime(),
                FormatApplications.BadHeadersApplication.class, contextParams(), null);
        assertThat(failed.context.getState().isAvailable()).as("deployed").isFalse();
        assertThat(failed.failure).hasStackTraceContaining("attribute headers").hasStackTraceContaining("'draft'")
                .hasStackTraceContaining("'ietf'");
        tomcat.undeploy(failed.context);
    }
}
