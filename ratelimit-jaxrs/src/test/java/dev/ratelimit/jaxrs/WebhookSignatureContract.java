package dev.ratelimit.jaxrs;

import static dev.ratelimit.jaxrs.WebhookApplications.GITHUB_PROPERTY;
import static dev.ratelimit.jaxrs.WebhookApplications.STRIPE_PROPERTY;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.ws.rs.core.Application;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.codahale.metrics.Meter;

import dev.ratelimit.core.app.ApplicationRuntime;
import dev.ratelimit.core.metrics.MetricNames;
import dev.ratelimit.testing.TestRedisExtension;

/**
 * What {@code @WebhookSignature} does, in a real JAX-RS runtime on a real Tomcat 9 against a real Redis:
 * the signature is checked before the method's limiter, which forgeries never reach. Every runtime we
 * support runs this same class through a subclass.
 */
abstract class WebhookSignatureContract {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    /** GitHub's documented example (docs.github.com, "Validating webhook deliveries"). */
    private static final String GITHUB_SECRET = "It's a Secret to Everybody";
    private static final String GITHUB_PAYLOAD = "Hello, World!";
    private static final String GITHUB_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    private static final String STRIPE_SECRET = "whsec_jaxrs_test_secret";
    /** The sender's counter of the webhook policies: key {@code ip}, limits {@code 5/1h}. */
    private static final String SENDER_COUNTER = "ratelimit:webhook:GitHub%23text:*:*:*:{ip=127.0.0.1}:fw:3600000";
    private static final String INVALID_SIGNATURE = "{\"error\":{\"code\":\"INVALID_SIGNATURE\","
            + "\"message\":\"The webhook signature is missing or invalid.\"}}";

    private static final String FORM = "a=1&b=x%20y&b=%C3%A9";
    private static final String FORM_TYPE = "application/x-www-form-urlencoded; charset=UTF-8";

    private static final AtomicInteger APPS = new AtomicInteger();

    private static JaxrsTomcat tomcat;
    private JaxrsTomcat.Deployment deployment;
    private String app;

    /** The runtime under test. */
    abstract JaxrsRuntime runtime();

    @BeforeAll
    static void setSecretsAndStartTomcat() {
        System.setProperty(GITHUB_PROPERTY, GITHUB_SECRET);
        System.setProperty(STRIPE_PROPERTY, STRIPE_SECRET);
        tomcat = new JaxrsTomcat();
    }

    @AfterAll
    static void stopTomcatAndClearSecrets() {
        tomcat.close();
        System.clearProperty(GITHUB_PROPERTY);
        System.clearProperty(STRIPE_PROPERTY);
    }

    /** A fresh deployment per test: limiters remember denials locally, which no Redis FLUSHALL clears. */
    @BeforeEach
    void deployTheWebhooksOnACleanRedis() {
        REDIS.redis().flushAll();
        app = "/hooks" + APPS.incrementAndGet();
        deployment = tomcat.deploy(app, runtime(), WebhookApplications.Webhooks.class, contextParams(), null);
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
        params.put("ratelimit.trusted-proxies", "127.0.0.1");
        params.put("ratelimit.policy.stripe.limits", "5/1h");
        params.put("ratelimit.policy.stripe.scope", "webhook");
        params.put("ratelimit.policy.stripe.webhook-scheme", "stripe");
        params.put("ratelimit.policy.stripe.webhook-secret-property", STRIPE_PROPERTY);
        params.put("ratelimit.policy.stripe.deny-addresses", "192.0.2.200");
        return params;
    }

    static String hmacHex(String secret, String content) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(content.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<String> github(String path, String body, String signature, String... headers) {
        String[] all = Arrays.copyOf(headers, headers.length + 2);
        all[headers.length] = "X-Hub-Signature-256";
        all[headers.length + 1] = signature;
        return tomcat.post(app + JaxrsTomcat.REST + path, body.getBytes(StandardCharsets.UTF_8), all);
    }

    private HttpResponse<String> stripe(String body, String signature) {
        return tomcat.post(app + JaxrsTomcat.REST + "/stripe", body.getBytes(StandardCharsets.UTF_8),
                "Stripe-Signature", signature);
    }

    private static String header(HttpResponse<String> response, String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    private static void assertInvalidSignature(HttpResponse<String> response) {
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(header(response, "Content-Type")).startsWith("application/json");
        assertThat(response.body()).isEqualTo(INVALID_SIGNATURE);
        assertThat(header(response, "X-RateLimit-Remaining")).as("the limiter never saw it").isNull();
    }

    @Test
    void our_hmac_helper_reproduces_githubs_documented_example() {
        assertThat("sha256=" + hmacHex(GITHUB_SECRET, GITHUB_PAYLOAD)).isEqualTo(GITHUB_SIGNATURE);
    }

    @Test
    void a_correctly_signed_github_delivery_reaches_the_limiter_and_the_resource_reads_the_body() {
        HttpResponse<String> ok = github("/github", GITHUB_PAYLOAD, GITHUB_SIGNATURE, "Content-Type", "text/plain");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo(GITHUB_PAYLOAD);
        assertThat(header(ok, "X-RateLimit-Limit")).isEqualTo("5");
        assertThat(header(ok, "X-RateLimit-Remaining")).isEqualTo("4");
        assertThat(REDIS.redis().command("GET", SENDER_COUNTER)).isEqualTo("1");
    }

    @Test
    void a_tampered_body_gets_401_and_costs_the_sender_no_quota() {
        assertInvalidSignature(github("/github", "Hello, World?", GITHUB_SIGNATURE));
        assertInvalidSignature(github("/github", GITHUB_PAYLOAD, "sha256=" + hmacHex("not the secret", GITHUB_PAYLOAD)));
        assertInvalidSignature(tomcat.post(app + JaxrsTomcat.REST + "/github",
                GITHUB_PAYLOAD.getBytes(StandardCharsets.UTF_8)));
        assertThat(REDIS.redis().command("EXISTS", SENDER_COUNTER)).as("no quota spent").isEqualTo("0");

        HttpResponse<String> real = github("/github", GITHUB_PAYLOAD, GITHUB_SIGNATURE);
        assertThat(real.statusCode()).isEqualTo(200);
        assertThat(header(real, "X-RateLimit-Remaining")).as("the whole quota was left").isEqualTo("4");
        assertThat(signatureFailures("GitHub#text")).as("meter signature-failures").isEqualTo(3);
    }

    @Test
    void a_flood_of_forgeries_ends_in_429_from_their_own_limit_and_leaves_the_senders_quota_intact() {
        String[] forger = {"X-Forwarded-For", "203.0.113.66"};
        for (int i = 0; i < 10; i++) {
            assertInvalidSignature(github("/github", "forged " + i, GITHUB_SIGNATURE, forger));
        }
        HttpResponse<String> limited = github("/github", "forged", GITHUB_SIGNATURE, forger);
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(header(limited, "Retry-After")).isNotNull();
        assertThat(limited.body()).startsWith("{\"error\":{\"code\":\"RATE_LIMIT_EXCEEDED\"");
        assertThat(REDIS.redis().command("KEYS", "ratelimit:webhook:*")).as("no quota spent").isEmpty();
        assertThat(REDIS.redis().command("GET", "ratelimit:webhook-bad-signature:GitHub%23text-bad-signature:*:*:*:{ip=203.0.113.66}:fw:60000"))
                .as("attempts past the limit are refused, not counted").isEqualTo("10");

        HttpResponse<String> real = github("/github", GITHUB_PAYLOAD, GITHUB_SIGNATURE, "X-Forwarded-For", "192.0.2.10");
        assertThat(real.statusCode()).as("the sender's own address is not the forger's").isEqualTo(200);
        assertThat(header(real, "X-RateLimit-Remaining")).isEqualTo("4");
    }

    @Test
    void a_client_over_its_bad_signature_limit_is_refused_before_its_body_is_read() throws IOException {
        for (int i = 0; i < 10; i++) {
            assertInvalidSignature(github("/github", "forged " + i, GITHUB_SIGNATURE));
        }
        assertThat(github("/github", "forged", GITHUB_SIGNATURE).statusCode()).as("over the limit").isEqualTo(429);
        try (Socket socket = new Socket("127.0.0.1", tomcat.port())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + app + JaxrsTomcat.REST + "/github HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n"
                    + "X-Hub-Signature-256: " + GITHUB_SIGNATURE + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(answer).as("answered before any of the body was sent").isEqualTo("HTTP/1.1 429");
        }
    }

    @Test
    void a_delivery_the_resource_fails_with_a_5xx_is_forgotten_so_the_senders_retry_is_accepted() {
        assertThat(github("/github/unavailable", GITHUB_PAYLOAD, GITHUB_SIGNATURE).statusCode()).isEqualTo(503);
        assertThat(REDIS.redis().command("KEYS", "ratelimit:webhook:policy=*")).as("forgotten").isEmpty();
        assertThat(github("/github/unavailable", GITHUB_PAYLOAD, GITHUB_SIGNATURE).statusCode())
                .as("the retry reaches the resource, not 409").isEqualTo(503);
        assertThat(github("/github", GITHUB_PAYLOAD, GITHUB_SIGNATURE).statusCode()).isEqualTo(200);
        assertThat(github("/github", GITHUB_PAYLOAD, GITHUB_SIGNATURE).statusCode()).as("a 2xx stays remembered")
                .isEqualTo(409);
    }

    @Test
    void the_replay_window_attribute_sets_how_long_signatures_are_remembered() {
        assertThat(github("/long-memory", GITHUB_PAYLOAD, GITHUB_SIGNATURE).statusCode()).isEqualTo(200);
        String key = REDIS.redis().command("KEYS", "ratelimit:webhook:policy=LongMemory*:{replay=*}");
        assertThat(Long.parseLong(REDIS.redis().command("PTTL", key))).isBetween(3_590_000L, 3_600_000L);
        assertThat(github("/long-memory", GITHUB_PAYLOAD, GITHUB_SIGNATURE).statusCode()).isEqualTo(409);
    }

    @Test
    void a_replay_gets_409_before_the_limiter() {
        assertThat(github("/github", GITHUB_PAYLOAD, GITHUB_SIGNATURE).statusCode()).isEqualTo(200);
        HttpResponse<String> replay = github("/github", GITHUB_PAYLOAD, GITHUB_SIGNATURE);
        assertThat(replay.statusCode()).isEqualTo(409);
        assertThat(header(replay, "Content-Type")).startsWith("application/json");
        assertThat(replay.body()).isEqualTo(
                "{\"error\":{\"code\":\"REPLAYED_WEBHOOK\",\"message\":\"This webhook was already received.\"}}");
        assertThat(REDIS.redis().command("GET", SENDER_COUNTER)).as("the replay took no quota").isEqualTo("1");
    }

    @Test
    void a_body_over_max_body_gets_413_whether_its_length_is_declared_or_not() {
        String big = "x".repeat(2048);
        String signature = "sha256=" + hmacHex(GITHUB_SECRET, big);
        HttpResponse<String> declared = github("/github", big, signature);
        assertThat(declared.statusCode()).isEqualTo(413);
        assertThat(declared.body()).isEqualTo(
                "{\"error\":{\"code\":\"PAYLOAD_TOO_LARGE\",\"message\":\"The webhook body is larger than 1024 bytes.\"}}");

        HttpResponse<String> chunked = tomcat.send("POST", app + JaxrsTomcat.REST + "/github",
                HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big.getBytes(StandardCharsets.US_ASCII))),
                "X-Hub-Signature-256", signature);
        assertThat(chunked.statusCode()).as("no Content-Length: counted while reading").isEqualTo(413);
        assertThat(REDIS.redis().command("KEYS", "*")).as("nothing counted").isEmpty();
    }

    @Test
    void the_resource_reads_the_verified_body_as_bytes_stream_and_form_entity() {
        String signature = "sha256=" + hmacHex(GITHUB_SECRET, FORM);
        assertThat(github("/github/form", FORM, signature, "Content-Type", FORM_TYPE).body()).isEqualTo("a=1 b=[x y, é]");
        // The same signature on another method is another policy's delivery: the replay key holds the policy.
        assertThat(github("/github/bytes", FORM, signature, "Content-Type", "application/octet-stream").body())
                .isEqualTo(FORM);
        assertThat(github("/github/stream", FORM, signature, "Content-Type", "application/octet-stream").body())
                .isEqualTo(FORM);
    }

    /** What {@code @FormParam("a")} and {@code @FormParam("b")} of a verified form post see, as the resource answers. */
    String formParamsOfAVerifiedPost() {
        HttpResponse<String> response = github("/github/form-params", FORM, "sha256=" + hmacHex(GITHUB_SECRET, FORM),
                "Content-Type", FORM_TYPE);
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    @Test
    void a_named_policy_verifies_stripe_signatures_with_the_same_params() {
        String body = "{\"id\":\"evt_1\"}";
        long now = System.currentTimeMillis() / 1000;
        String fresh = "t=" + now + ",v1=" + hmacHex(STRIPE_SECRET, now + "." + body);
        HttpResponse<String> ok = stripe(body, fresh);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo(body);
        assertThat(header(ok, "X-RateLimit-Remaining")).isEqualTo("4");

        long stale = now - 301;
        assertInvalidSignature(stripe(body, "t=" + stale + ",v1=" + hmacHex(STRIPE_SECRET, stale + "." + body)));
        assertInvalidSignature(stripe("{\"id\":\"evt_2\"}", fresh));
        assertThat(stripe(body, fresh).statusCode()).isEqualTo(409);
    }

    @Test
    void a_denied_address_is_answered_403_before_its_signature_is_verified_or_its_delivery_remembered() {
        // Found by review: JAX-RS verified (and remembered) the delivery first, answering 401 or taking a replay entry.
        String body = "{\"id\":\"evt_denied\"}";
        long now = System.currentTimeMillis() / 1000;
        String fresh = "t=" + now + ",v1=" + hmacHex(STRIPE_SECRET, now + "." + body);
        String url = app + JaxrsTomcat.REST + "/stripe";
        HttpResponse<String> forged = tomcat.post(url, body.getBytes(StandardCharsets.UTF_8),
                "Stripe-Signature", "t=" + now + ",v1=00", "X-Forwarded-For", "192.0.2.200");
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(forged.body()).contains("ACCESS_DENIED");
        HttpResponse<String> signed = tomcat.post(url, body.getBytes(StandardCharsets.UTF_8),
                "Stripe-Signature", fresh, "X-Forwarded-For", "192.0.2.200");
        assertThat(signed.statusCode()).isEqualTo(403);
        assertThat(stripe(body, fresh).statusCode()).as("the denied copy was never remembered as received").isEqualTo(200);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "BadToleranceApp         | BadTolerance#receive (@WebhookSignature attribute tolerance): Invalid value 'soon' for parameter 'webhook-tolerance'",
            "NoSecretApp             | (@WebhookSignature attribute secretEnv, secretProperty or secretFile): Invalid value (not set) for parameter 'webhook-secret-env'",
            "UnsetSecretApp          | (@WebhookSignature attribute secretProperty): Invalid value 'test.jaxrs.webhook.unset' for parameter 'webhook-secret-property'",
            "NoSchemeApp             | (@WebhookSignature attribute scheme): Invalid value (not set) for parameter 'webhook-scheme'",
            "GenericOnlyAttributeApp | (@WebhookSignature attribute encoding): Invalid value 'base64' for parameter 'webhook-encoding'",
            "NotWebhookScopeApp      | @WebhookSignature on NotWebhookScope#receive: no @RateLimited of this method has scope 'webhook'",
            "NotLimitedApp           | @WebhookSignature on NotLimited#receive: no @RateLimited of this method has scope 'webhook'",
    })
    void a_bad_webhook_annotation_fails_the_deployment_naming_the_attribute(String application, String message)
            throws Exception {
        @SuppressWarnings("unchecked")
        Class<? extends Application> bad = (Class<? extends Application>) Class.forName(
                WebhookApplications.class.getName() + "$" + application);
        JaxrsTomcat.Deployment failed = tomcat.deploy("/bad" + APPS.incrementAndGet(), runtime(), bad, contextParams(), null);
        assertThat(failed.context.getState().isAvailable()).as("deployed").isFalse();
        assertThat(messages(failed.failure)).contains(message).doesNotContain(GITHUB_SECRET);
        tomcat.undeploy(failed.context);
    }

    private static String messages(Throwable failure) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            all.append(t).append('\n');
        }
        return all.toString();
    }

    private long signatureFailures(String policy) {
        ApplicationRuntime shared = (ApplicationRuntime) deployment.context.getServletContext().getAttribute(ApplicationRuntime.ATTRIBUTE);
        Meter meter = shared.metrics().registry().getMeters()
                .get(MetricNames.policy(policy, MetricNames.SIGNATURE_FAILURES));
        return meter == null ? 0 : meter.getCount();
    }
}
