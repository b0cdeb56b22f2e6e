package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ratelimit.testing.TestRedisExtension;

/** What clients see in a real Tomcat while the real Redis behind the filter is down, and after it returns. */
class FailureModeTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    private static final String WEBHOOK_SECRET = "failure-mode-secret";
    /** The signature of an empty body (a GET) under {@link #WEBHOOK_SECRET}. */
    private static final String[] SIGNED = {"X-Hub-Signature-256", "sha256=" + WebhookFilterTest.hmacHex(WEBHOOK_SECRET, "")};

    private static EmbeddedTomcat tomcat;

    @BeforeAll
    static void deploy() {
        tomcat = new EmbeddedTomcat();
        tomcat.deploy("/api", params("api", "open"), Map.of());
        System.setProperty("test.failure-mode.webhook-secret", WEBHOOK_SECRET);
        Map<String, String> webhook = params("webhook", null);
        webhook.put("webhook-scheme", "github");
        webhook.put("webhook-secret-property", "test.failure-mode.webhook-secret");
        tomcat.deploy("/webhooks", webhook, Map.of());
        Map<String, String> admin = params("admin", null);
        admin.put("closed-status", "429");
        tomcat.deploy("/admin", admin, Map.of());
        tomcat.deploy("/local", params("api", "local"), Map.of());
    }

    @AfterAll
    static void stop() {
        tomcat.close();
        System.clearProperty("test.failure-mode.webhook-secret");
    }

    private static Map<String, String> params(String scope, String failureMode) {
        Map<String, String> params = new HashMap<>();
        params.put("redis-url", REDIS.url());
        params.put("limits", "2/1h");
        params.put("scope", scope);
        params.put("timeout", "200ms");
        params.put("breaker-failures", "2");
        params.put("breaker-open", "500ms");
        params.put("breaker-probes", "1");
        if (failureMode != null) {
            params.put("failure-mode", failureMode);
        }
        return params;
    }

    @Test
    void each_scope_answers_by_its_failure_mode_while_redis_is_down_and_recovers() throws Exception {
        assertThat(tomcat.get("/webhooks/github", SIGNED).headers().firstValue("X-RateLimit-Limit")).hasValue("2");
        REDIS.redis().stop();
        try {
            HttpResponse<String> api = tomcat.get("/api/orders");
            assertThat(api.statusCode()).as("api fails open").isEqualTo(200);
            assertThat(api.headers().firstValue("X-RateLimit-Limit")).as("nothing was counted").isEmpty();

            HttpResponse<String> webhook = tomcat.get("/webhooks/github", SIGNED);
            assertThat(webhook.statusCode()).as("webhook fails closed").isEqualTo(503);
            assertThat(webhook.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(webhook.body()).isEqualTo("{\"error\":{\"code\":\"RATE_LIMITER_UNAVAILABLE\",\"message\":"
                    + "\"Service temporarily unavailable. Please try again later.\",\"retryAfter\":1}}");

            assertThat(tomcat.get("/admin/").statusCode()).as("closed-status=429").isEqualTo(429);

            assertThat(tomcat.get("/local/").statusCode()).isEqualTo(200);
            assertThat(tomcat.get("/local/").statusCode()).isEqualTo(200);
            assertThat(tomcat.get("/local/").statusCode()).as("local keeps the limit in memory").isEqualTo(429);
        } finally {
            REDIS.redis().restart();
        }
        Thread.sleep(700); // the breaker's open interval
        HttpResponse<String> back = tomcat.get("/webhooks/github", SIGNED);
        assertThat(back.statusCode()).isEqualTo(200);
        assertThat(back.headers().firstValue("X-RateLimit-Remaining")).as("a fresh Redis: counting from zero").hasValue("1");
    }
}
