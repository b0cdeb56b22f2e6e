package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ratelimit.testing.TestRedisExtension;

/** Webhook verification in front of the limiter, in a real Tomcat 9 against a real Redis. */
class WebhookFilterTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    /** GitHub's documented example (docs.github.com, "Validating webhook deliveries"). */
    private static final String GITHUB_SECRET = "It's a Secret to Everybody";
    private static final String GITHUB_PAYLOAD = "Hello, World!";
    private static final String GITHUB_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    private static final String STRIPE_SECRET = "whsec_test_secret";
    private static final String SENDER_COUNTER = "ratelimit:webhook:limit:*:*:*:{ip=127.0.0.1}:fw:3600000";

    private static final String GITHUB_PROPERTY = "test.webhook.github-secret";
    private static final String OLD_GITHUB_PROPERTY = "test.webhook.github-secret-old";

    private static EmbeddedTomcat tomcat;
    private static Path stripeSecretFile;
    private static final AtomicInteger APPS = new AtomicInteger();

    @BeforeAll
    static void start() throws IOException {
        System.setProperty(GITHUB_PROPERTY, GITHUB_SECRET);
        stripeSecretFile = Files.createTempFile("stripe", ".secret");
        Files.writeString(stripeSecretFile, STRIPE_SECRET + "\n");
        tomcat = new EmbeddedTomcat();
    }

    @AfterAll
    static void stop() throws IOException {
        tomcat.close();
        System.clearProperty(GITHUB_PROPERTY);
        System.clearProperty(OLD_GITHUB_PROPERTY);
        Files.deleteIfExists(stripeSecretFile);
    }

    @BeforeEach
    void cleanRedis() {
        REDIS.redis().flushAll();
    }

    private static String deploy(String... keyValues) {
        Map<String, String> params = EmbeddedTomcat.filterParams(REDIS.url());
        params.put("limits", "5/1h");
        params.put("scope", "webhook");
        params.put("webhook-scheme", "github");
        params.put("webhook-secret-property", GITHUB_PROPERTY);
        for (int i = 0; i < keyValues.length; i += 2) {
            params.put(keyValues[i], keyValues[i + 1]);
        }
        String path = "/hooks" + APPS.incrementAndGet();
        tomcat.deploy(path, params, Map.of(), new EchoServlet());
        return path;
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

    private static HttpResponse<String> github(String app, String query, String body, String signature,
                                               String... headers) {
        String[] all = Arrays.copyOf(headers, headers.length + 2);
        all[headers.length] = "X-Hub-Signature-256";
        all[headers.length + 1] = signature;
        return tomcat.post(app + "/hook" + query, body.getBytes(StandardCharsets.UTF_8), all);
    }

    private static void assertInvalidSignature(HttpResponse<String> response) {
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        assertThat(response.body()).isEqualTo("{\"error\":{\"code\":\"INVALID_SIGNATURE\","
                + "\"message\":\"The webhook signature is missing or invalid.\"}}");
        assertThat(response.headers().firstValue("X-RateLimit-Remaining")).as("the limiter never saw it").isEmpty();
    }

    @Test
    void a_delivery_the_limiter_refuses_is_forgotten_so_the_senders_retry_is_no_replay() {
        String app = deploy("limits", "1/1h");
        assertThat(github(app, "", GITHUB_PAYLOAD, GITHUB_SIGNATURE).statusCode()).isEqualTo(200);
        String other = "{\"other\":1}";
        String signature = "sha256=" + hmacHex(GITHUB_SECRET, other);
        assertThat(github(app, "", other, signature).statusCode()).isEqualTo(429);
        assertThat(github(app, "", other, signature).statusCode()).as("the retry, still over the limit").isEqualTo(429);
    }

    @Test
    void our_hmac_helper_reproduces_githubs_documented_example() {
        assertThat("sha256=" + hmacHex(GITHUB_SECRET, GITHUB_PAYLOAD)).isEqualTo(GITHUB_SIGNATURE);
    }

    @Test
    void passes_a_correctly_signed_request_to_the_limiter_and_the_servlet() {
        String app = deploy();
        HttpResponse<String> ok = github(app, "", GITHUB_PAYLOAD, GITHUB_SIGNATURE);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo(GITHUB_PAYLOAD);
        assertThat(ok.headers().firstValue("X-RateLimit-Remaining")).hasValue("4");
    }

    @Test
    void refuses_a_tampered_body_a_wrong_secret_and_a_missing_header_with_401() {
        String app = deploy();
        assertInvalidSignature(github(app, "", "Hello, World?", GITHUB_SIGNATURE));
        assertInvalidSignature(github(app, "", GITHUB_PAYLOAD, "sha256=" + hmacHex("not the secret", GITHUB_PAYLOAD)));
        assertInvalidSignature(tomcat.post(app + "/hook", GITHUB_PAYLOAD.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void refuses_a_replay_with_409() {
        String app = deploy();
        assertThat(github(app, "", GITHUB_PAYLOAD, GITHUB_SIGNATURE).statusCode()).isEqualTo(200);
        HttpResponse<String> replay = github(app, "", GITHUB_PAYLOAD, GITHUB_SIGNATURE);
        assertThat(replay.statusCode()).isEqualTo(409);
        assertThat(replay.body()).isEqualTo(
                "{\"error\":{\"code\":\"REPLAYED_WEBHOOK\",\"message\":\"This webhook was already received.\"}}");
        assertThat(REDIS.redis().command("GET", SENDER_COUNTER)).as("the replay took no quota").isEqualTo("1");
    }

    @Test
    void accepts_the_old_and_the_new_secret_during_rotation() {
        System.setProperty(OLD_GITHUB_PROPERTY, "the old secret");
        String app = deploy("webhook-secret-property", GITHUB_PROPERTY + ", " + OLD_GITHUB_PROPERTY,
                "webhook-replay-protection", "false");
        assertThat(github(app, "", GITHUB_PAYLOAD, GITHUB_SIGNATURE).statusCode()).isEqualTo(200);
        assertThat(github(app, "", GITHUB_PAYLOAD, "sha256=" + hmacHex("the old secret", GITHUB_PAYLOAD)).statusCode())
                .isEqualTo(200);
    }

    @Test
    void checks_stripe_signatures_and_their_timestamp_with_the_secret_from_a_file() {
        String app = deploy("webhook-scheme", "stripe", "webhook-secret-property", "",
                "webhook-secret-file", stripeSecretFile.toString());
        String body = "{\"id\":\"evt_1\"}";
        long now = System.currentTimeMillis() / 1000;
        String fresh = "t=" + now + ",v1=" + hmacHex(STRIPE_SECRET, now + "." + body);
        HttpResponse<String> ok = tomcat.post(app + "/hook", body.getBytes(StandardCharsets.UTF_8), "Stripe-Signature", fresh);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo(body);
        long stale = now - 301;
        assertInvalidSignature(tomcat.post(app + "/hook", body.getBytes(StandardCharsets.UTF_8),
                "Stripe-Signature", "t=" + stale + ",v1=" + hmacHex(STRIPE_SECRET, stale + "." + body)));
        assertThat(tomcat.post(app + "/hook", body.getBytes(StandardCharsets.UTF_8), "Stripe-Signature", fresh)
                .statusCode()).isEqualTo(409);
    }

    @Test
    void hands_the_body_on_through_stream_reader_and_form_parameters() {
        String app = deploy("webhook-replay-protection", "false");
        String form = "a=1&b=x%20y&b=%C3%A9";
        String signature = "sha256=" + hmacHex(GITHUB_SECRET, form);
        String[] formType = {"Content-Type", "application/x-www-form-urlencoded; charset=UTF-8"};
        assertThat(github(app, "?stream", form, signature, formType).body()).isEqualTo(form);
        assertThat(github(app, "?reader", form, signature, formType).body()).isEqualTo(form);
        assertThat(github(app, "?params&q=2", form, signature, formType).body())
                .isEqualTo("a=1 b=[x y, é] q=2 names=[params, q, a, b]");
    }

    @Test
    void refuses_a_body_over_the_limit_with_413_without_reading_it() throws IOException {
        String app = deploy("webhook-max-body", "1KiB");
        try (Socket socket = new Socket("127.0.0.1", tomcat.port())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + app + "/hook HTTP/1.1\r\nHost: localhost\r\nContent-Length: 104857600\r\n"
                    + "X-Hub-Signature-256: sha256=00\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            assertThat(in.readNBytes(12)).as("answered before any of the 100 MB was sent")
                    .isEqualTo("HTTP/1.1 413".getBytes(StandardCharsets.US_ASCII));
        }
        byte[] big = new byte[4096];
        Arrays.fill(big, (byte) 'x');
        HttpResponse<String> chunked = tomcat.send("POST", app + "/hook",
                HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)),
                "X-Hub-Signature-256", "sha256=" + hmacHex(GITHUB_SECRET, new String(big, StandardCharsets.US_ASCII)));
        assertThat(chunked.statusCode()).as("no Content-Length: counted while reading").isEqualTo(413);
        assertThat(chunked.body()).isEqualTo(
                "{\"error\":{\"code\":\"PAYLOAD_TOO_LARGE\",\"message\":\"The webhook body is larger than 1024 bytes.\"}}");
        assertThat(REDIS.redis().command("KEYS", "*")).as("nothing counted").isEmpty();
    }

    @Test
    void a_flood_of_forgeries_leaves_the_senders_quota_intact_and_ends_in_429() {
        String app = deploy("webhook-bad-signature-limits", "10/1m", "trusted-proxies", "127.0.0.1");
        String[] forger = {"X-Forwarded-For", "203.0.113.66"};
        for (int i = 0; i < 10; i++) {
            assertInvalidSignature(github(app, "", "forged " + i, GITHUB_SIGNATURE, forger));
        }
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> limited = github(app, "", "forged", GITHUB_SIGNATURE, forger);
            assertThat(limited.statusCode()).isEqualTo(429);
            assertThat(limited.headers().firstValue("Retry-After")).isPresent();
            assertThat(limited.body()).startsWith("{\"error\":{\"code\":\"RATE_LIMIT_EXCEEDED\"");
        }
        assertThat(REDIS.redis().command("KEYS", "ratelimit:webhook:*")).as("no quota spent").isEmpty();
        assertThat(REDIS.redis().command("GET", "ratelimit:webhook-bad-signature:limit-bad-signature:*:*:*:{ip=203.0.113.66}:fw:60000"))
                .isEqualTo("10");

        HttpResponse<String> real = github(app, "", GITHUB_PAYLOAD, GITHUB_SIGNATURE, "X-Forwarded-For", "192.0.2.10");
        assertThat(real.statusCode()).as("the sender's own address is not the forger's").isEqualTo(200);
        assertThat(real.headers().firstValue("X-RateLimit-Remaining")).hasValue("4");
        assertThat(REDIS.redis().command("GET", "ratelimit:webhook:limit:*:*:*:{ip=192.0.2.10}:fw:3600000")).isEqualTo("1");
    }

    @Test
    void a_client_over_its_bad_signature_limit_is_refused_before_its_body_is_read() throws IOException {
        String app = deploy("webhook-bad-signature-limits", "2/1m", "webhook-max-body", "64MiB");
        for (int i = 0; i < 2; i++) {
            assertInvalidSignature(github(app, "", "forged " + i, GITHUB_SIGNATURE));
        }
        assertThat(github(app, "", "forged", GITHUB_SIGNATURE).statusCode()).as("over the limit").isEqualTo(429);
        try (Socket socket = new Socket("127.0.0.1", tomcat.port())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + app + "/hook HTTP/1.1\r\nHost: localhost\r\nContent-Length: 60000000\r\n"
                    + "X-Hub-Signature-256: " + GITHUB_SIGNATURE + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(answer).as("answered before any of the 60 MB was sent").isEqualTo("HTTP/1.1 429");
        }
        assertThat(REDIS.redis().command("GET", "ratelimit:webhook-bad-signature:limit-bad-signature:*:*:*:{ip=127.0.0.1}:fw:60000"))
                .as("refused from this instance's memory of the denial").isEqualTo("2");
    }

    @Test
    void form_parameters_of_a_verified_body_stop_at_10000_as_the_containers_do() {
        String app = deploy("webhook-replay-protection", "false");
        StringBuilder form = new StringBuilder();
        for (int i = 0; i < 20_000; i++) {
            form.append(i == 0 ? "" : "&").append('p').append(i).append('=').append(i);
        }
        HttpResponse<String> response = github(app, "?count", form.toString(),
                "sha256=" + hmacHex(GITHUB_SECRET, form.toString()), "Content-Type", "application/x-www-form-urlencoded");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).as("the query's one parameter and the form's first 9,999")
                .isEqualTo("count=10000 first=0 last=9998 beyond=null");
    }

    @Test
    void a_delivery_the_application_answers_with_a_5xx_is_forgotten_so_the_senders_retry_is_accepted() {
        String app = deploy();
        String body = "fail 503";
        String signature = "sha256=" + hmacHex(GITHUB_SECRET, body);
        assertThat(github(app, "?fail", body, signature).statusCode()).isEqualTo(503);
        assertThat(REDIS.redis().command("KEYS", "ratelimit:webhook:policy=*")).as("forgotten").isEmpty();
        assertThat(github(app, "?fail", body, signature).statusCode()).as("the retry reaches the servlet").isEqualTo(503);

        String thrown = "throw";
        String thrownSignature = "sha256=" + hmacHex(GITHUB_SECRET, thrown);
        assertThat(github(app, "?throw", thrown, thrownSignature).statusCode()).isEqualTo(500);
        assertThat(github(app, "?throw", thrown, thrownSignature).statusCode()).as("not 409").isEqualTo(500);

        String ok = "ok";
        String okSignature = "sha256=" + hmacHex(GITHUB_SECRET, ok);
        assertThat(github(app, "", ok, okSignature).statusCode()).isEqualTo(200);
        assertThat(github(app, "", ok, okSignature).statusCode()).as("a 2xx stays remembered").isEqualTo(409);
    }

    @Test
    void denies_webhooks_while_redis_is_down() {
        String app = deploy("timeout", "200ms", "connect-timeout", "200ms", "breaker-open", "100ms");
        REDIS.redis().stop();
        try {
            HttpResponse<String> denied = github(app, "", GITHUB_PAYLOAD, GITHUB_SIGNATURE);
            assertThat(denied.statusCode()).as("webhook fails closed").isEqualTo(503);
            assertThat(denied.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(denied.body()).startsWith("{\"error\":{\"code\":\"RATE_LIMITER_UNAVAILABLE\"");
            assertInvalidSignature(github(app, "", "forged", GITHUB_SIGNATURE));
        } finally {
            REDIS.redis().restart();
        }
    }

    /** Answers with what it read: the body through the stream or the reader, or the parameters. */
    static final class EchoServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            String mode = req.getQueryString() == null ? "stream" : req.getQueryString().split("&")[0];
            String answer;
            if (mode.equals("fail")) {
                resp.sendError(503);
                return;
            } else if (mode.equals("throw")) {
                throw new IllegalStateException("the application failed");
            } else if (mode.equals("count")) {
                answer = "count=" + req.getParameterMap().size() + " first=" + req.getParameter("p0")
                        + " last=" + req.getParameter("p9998") + " beyond=" + req.getParameter("p9999");
            } else if (mode.equals("reader")) {
                StringBuilder text = new StringBuilder();
                for (int c; (c = req.getReader().read()) >= 0; ) {
                    text.append((char) c);
                }
                answer = text.toString();
            } else if (mode.equals("params")) {
                answer = "a=" + req.getParameter("a") + " b=" + Arrays.toString(req.getParameterValues("b"))
                        + " q=" + req.getParameter("q") + " names=" + Collections.list(req.getParameterNames());
            } else {
                answer = new String(req.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            }
            resp.setContentType("text/plain;charset=UTF-8");
            resp.getWriter().write(answer);
        }
    }
}
