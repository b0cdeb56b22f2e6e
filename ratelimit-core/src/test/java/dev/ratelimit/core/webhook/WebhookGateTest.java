package dev.ratelimit.core.webhook;

import static dev.ratelimit.core.webhook.Webhooks.GITHUB_PAYLOAD;
import static dev.ratelimit.core.webhook.Webhooks.GITHUB_SECRET;
import static dev.ratelimit.core.webhook.Webhooks.GITHUB_SIGNATURE;
import static dev.ratelimit.core.webhook.Webhooks.STRIPE_PAYLOAD;
import static dev.ratelimit.core.webhook.Webhooks.STRIPE_SECRET;
import static dev.ratelimit.core.webhook.Webhooks.STRIPE_TIMESTAMP;
import static dev.ratelimit.core.webhook.Webhooks.STRIPE_V1;
import static dev.ratelimit.core.webhook.Webhooks.map;
import static dev.ratelimit.core.webhook.Webhooks.request;
import static dev.ratelimit.core.webhook.Webhooks.settings;
import static dev.ratelimit.core.webhook.Webhooks.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.Limit;
import dev.ratelimit.core.Policy;
import dev.ratelimit.core.memory.InMemoryStore;
import dev.ratelimit.core.redis.RedisClients;
import dev.ratelimit.core.redis.RedisStore;
import dev.ratelimit.core.redis.RedisUrl;
import dev.ratelimit.core.testing.FakeRequest;
import dev.ratelimit.testing.TestRedisExtension;

/** Signature, bad-signature limit and replay protection against a real Redis. */
class WebhookGateTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    private static final String GITHUB_REPLAY_KEY =
            "ratelimit:webhook:policy=hooks:{replay=" + GITHUB_SIGNATURE.substring(7) + "}";

    private static RedisClients clients;
    private static RedisStore redis;
    private final InMemoryStore memory = new InMemoryStore();

    @BeforeAll
    static void connect() {
        clients = new RedisClients();
        redis = clients.open(RedisUrl.standalone("redis-url", REDIS.url()).timeouts(300, 300).pool(8, 300)
                .breaker(100, 100, 1).build());
    }

    @AfterAll
    static void disconnect() {
        redis.close();
        clients.close();
    }

    @BeforeEach
    void clean() {
        REDIS.redis().flushAll();
    }

    private static Policy policy(FailureMode failureMode) {
        return Policy.builder("hooks").scope("webhook").limits(Limit.parseAll("limits", "30/1m"))
                .failureMode(failureMode).build();
    }

    private WebhookGate github(FailureMode failureMode, String... params) {
        Map<String, String> map = map("webhook-scheme", "github", "webhook-secret-env", "GH");
        map.putAll(map(params));
        return new WebhookGate(settings(map, map("GH", GITHUB_SECRET)), policy(failureMode), redis, memory);
    }

    private static WebhookOutcome send(WebhookGate gate, String address, String signature) {
        return gate.check(Webhooks.requestFrom(address, "/webhooks/github", "X-Hub-Signature-256", signature),
                utf8(GITHUB_PAYLOAD));
    }

    @Test
    void remembers_an_accepted_signature_with_set_nx_px_and_answers_a_replay_409() {
        WebhookGate gate = github(null);
        assertThat(send(gate, "203.0.113.9", GITHUB_SIGNATURE).isAccepted()).isTrue();
        assertThat(REDIS.redis().command("GET", GITHUB_REPLAY_KEY)).isEqualTo("1");
        long ttl = Long.parseLong(REDIS.redis().command("PTTL", GITHUB_REPLAY_KEY));
        assertThat(ttl).isBetween(290_000L, 300_000L);

        WebhookOutcome replay = send(gate, "198.51.100.1", GITHUB_SIGNATURE);
        assertThat(replay.answer().status()).isEqualTo(409);
        assertThat(replay.rejection()).isEqualTo(Rejection.REPLAYED);
        assertThat(replay.answer().body()).isEqualTo(
                "{\"error\":{\"code\":\"REPLAYED_WEBHOOK\",\"message\":\"This webhook was already received.\"}}");
    }

    @Test
    void the_bad_signature_limit_reads_the_client_from_the_policys_client_address_header() {
        Policy behindForwarded = Policy.builder("hooks").scope("webhook").limits(Limit.parseAll("limits", "30/1m"))
                .trustedProxies(dev.ratelimit.core.TrustedProxies.parse("trusted-proxies", "10.0.0.1"))
                .clientAddressHeader(dev.ratelimit.core.ClientAddressHeader.parse("client-address-header", "Forwarded"))
                .build();
        WebhookGate gate = new WebhookGate(settings(map("webhook-scheme", "github", "webhook-secret-env", "GH",
                "webhook-bad-signature-limits", "2/1m"), map("GH", GITHUB_SECRET)), behindForwarded, redis, memory);
        for (int i = 0; i < 3; i++) {
            gate.check(Webhooks.requestFrom("10.0.0.1", "/hooks", "Forwarded", "for=198.51.100.1",
                    "X-Hub-Signature-256", "sha256=00"), utf8(GITHUB_PAYLOAD));
        }
        WebhookOutcome other = gate.check(Webhooks.requestFrom("10.0.0.1", "/hooks", "Forwarded", "for=198.51.100.2",
                "X-Hub-Signature-256", "sha256=00"), utf8(GITHUB_PAYLOAD));
        assertThat(other.answer().status()).as("another client behind the same proxy").isEqualTo(401);
    }

    @Test
    void without_redis_a_flood_of_forgeries_from_many_addresses_cannot_evict_the_replay_memory() {
        Policy behindProxy = Policy.builder("hooks").scope("webhook").limits(Limit.parseAll("limits", "30/1m"))
                .trustedProxies(dev.ratelimit.core.TrustedProxies.parse("trusted-proxies", "10.0.0.1")).build();
        dev.ratelimit.core.app.ApplicationRuntime shared = new dev.ratelimit.core.app.ApplicationRuntime();
        try {
            WebhookGate gate = shared.webhookGate(settings(map("webhook-scheme", "github", "webhook-secret-env", "GH"),
                    map("GH", GITHUB_SECRET)), shared.limiter(behindProxy, null));
            assertThat(gate.check(Webhooks.requestFrom("10.0.0.1", "/hooks", "X-Forwarded-For", "203.0.113.9",
                    "X-Hub-Signature-256", GITHUB_SIGNATURE), utf8(GITHUB_PAYLOAD)).isAccepted()).isTrue();
            for (int i = 0; i < InMemoryStore.DEFAULT_MAX_ENTRIES + 10_000; i++) {
                String address = "2001:db8:" + Integer.toHexString(i >> 16) + ":" + Integer.toHexString(i & 0xFFFF) + "::1";
                gate.check(Webhooks.requestFrom("10.0.0.1", "/hooks", "X-Forwarded-For", address,
                        "X-Hub-Signature-256", "sha256=00"), utf8(GITHUB_PAYLOAD));
            }
            WebhookOutcome replay = gate.check(Webhooks.requestFrom("10.0.0.1", "/hooks", "X-Forwarded-For", "203.0.113.9",
                    "X-Hub-Signature-256", GITHUB_SIGNATURE), utf8(GITHUB_PAYLOAD));
            assertThat(replay.answer().status()).as("the captured delivery replayed after the flood").isEqualTo(409);
        } finally {
            shared.release();
        }
    }

    @Test
    void accepts_copies_when_replay_protection_is_off() {
        WebhookGate gate = github(null, "webhook-replay-protection", "false");
        assertThat(send(gate, "203.0.113.9", GITHUB_SIGNATURE).isAccepted()).isTrue();
        assertThat(send(gate, "203.0.113.9", GITHUB_SIGNATURE).isAccepted()).isTrue();
        assertThat(REDIS.redis().command("KEYS", "*")).isEmpty();
    }

    private WebhookGate stripeAt(long nowMillis, String... params) {
        Map<String, String> map = map("webhook-scheme", "stripe", "webhook-secret-env", "S");
        map.putAll(map(params));
        return new WebhookGate(settings(map, map("S", STRIPE_SECRET)), policy(null), redis, memory,
                new dev.ratelimit.core.AuditLog(100), () -> nowMillis);
    }

    private static long stripeReplayTtl() {
        String key = REDIS.redis().command("KEYS", "ratelimit:webhook:policy=hooks:{replay=*}");
        return Long.parseLong(REDIS.redis().command("PTTL", key));
    }

    @Test
    void remembers_a_stripe_signature_for_the_replay_window_which_defaults_to_the_tolerance() {
        WebhookGate gate = stripeAt(STRIPE_TIMESTAMP * 1000 + 60_000);
        FakeRequest request = Webhooks.requestFrom("203.0.113.9", "/webhooks/stripe",
                "Stripe-Signature", "t=" + STRIPE_TIMESTAMP + ",v1=" + STRIPE_V1);
        assertThat(gate.check(request, utf8(STRIPE_PAYLOAD)).isAccepted()).isTrue();
        assertThat(stripeReplayTtl()).isBetween(295_000L, 300_000L);
        assertThat(gate.check(request, utf8(STRIPE_PAYLOAD)).answer().status()).isEqualTo(409);
    }

    @Test
    void a_replay_window_shorter_than_the_tolerance_still_remembers_until_the_timestamp_is_stale() {
        WebhookGate gate = stripeAt(STRIPE_TIMESTAMP * 1000 + 60_000, "webhook-replay-window", "1m");
        FakeRequest request = Webhooks.requestFrom("203.0.113.9", "/webhooks/stripe",
                "Stripe-Signature", "t=" + STRIPE_TIMESTAMP + ",v1=" + STRIPE_V1);
        assertThat(gate.check(request, utf8(STRIPE_PAYLOAD)).isAccepted()).isTrue();
        assertThat(stripeReplayTtl()).as("signed 60 s ago, stale 240 s from now: no gap").isBetween(235_000L, 241_000L);
    }

    @Test
    void webhook_replay_window_sets_how_long_a_signature_without_timestamp_is_remembered() {
        assertThat(send(github(null, "webhook-replay-window", "1h"), "203.0.113.9", GITHUB_SIGNATURE).isAccepted()).isTrue();
        assertThat(Long.parseLong(REDIS.redis().command("PTTL", GITHUB_REPLAY_KEY))).isBetween(3_590_000L, 3_600_000L);
    }

    @Test
    void replay_memory_does_not_depend_on_how_the_route_is_spelled() {
        WebhookGate gate = github(null);
        assertThat(gate.check(Webhooks.requestFrom("203.0.113.9", "/webhooks/github", "X-Hub-Signature-256",
                GITHUB_SIGNATURE), utf8(GITHUB_PAYLOAD)).isAccepted()).isTrue();
        for (String route : new String[] {"/webhooks/github/", "/webhooks//github", "/webhooks/github;x=1"}) {
            WebhookOutcome copy = gate.check(Webhooks.requestFrom("203.0.113.9", route, "X-Hub-Signature-256",
                    GITHUB_SIGNATURE), utf8(GITHUB_PAYLOAD));
            assertThat(copy.answer().status()).as(route).isEqualTo(409);
        }
    }

    @Test
    void counts_bad_signatures_per_address_apart_from_the_senders_quota_then_answers_429() {
        WebhookGate gate = github(null, "webhook-bad-signature-limits", "3/1m");
        String forged = "sha256=" + "ab".repeat(32);
        for (int i = 0; i < 3; i++) {
            WebhookOutcome outcome = send(gate, "203.0.113.66", forged);
            assertThat(outcome.answer().status()).isEqualTo(401);
            assertThat(outcome.answer().body()).isEqualTo("{\"error\":{\"code\":\"INVALID_SIGNATURE\","
                    + "\"message\":\"The webhook signature is missing or invalid.\"}}");
        }
        WebhookOutcome limited = send(gate, "203.0.113.66", forged);
        assertThat(limited.answer().status()).isEqualTo(429);
        assertThat(limited.rejection()).isEqualTo(Rejection.BAD_SIGNATURE_LIMIT);
        assertThat(limited.answer().headers()).containsOnlyKeys("Retry-After");
        assertThat(limited.answer().body()).startsWith("{\"error\":{\"code\":\"RATE_LIMIT_EXCEEDED\"");
        assertThat(REDIS.redis().command("GET", "ratelimit:webhook-bad-signature:hooks-bad-signature:*:*:*:{ip=203.0.113.66}:fw:60000"))
                .isEqualTo("3");
        assertThat(REDIS.redis().command("KEYS", "ratelimit:webhook:*")).as("no counter of the webhook scope").isEmpty();
        assertThat(send(gate, "203.0.113.67", forged).answer().status()).as("another address has its own count").isEqualTo(401);
        assertThat(send(gate, "203.0.113.66", GITHUB_SIGNATURE).isAccepted())
                .as("a correctly signed request is never held back by the bad-signature limit").isTrue();
    }

    @Test
    void follows_the_failure_mode_when_redis_is_down_during_the_replay_check() {
        REDIS.redis().stop();
        try {
            WebhookOutcome closed = send(github(null), "203.0.113.9", GITHUB_SIGNATURE);
            assertThat(closed.answer().status()).as("webhook scope fails closed").isEqualTo(503);
            assertThat(closed.rejection()).isEqualTo(Rejection.STORE_UNAVAILABLE);
            assertThat(closed.answer().headers()).containsEntry("Retry-After", "1");
            assertThat(closed.answer().body()).startsWith("{\"error\":{\"code\":\"RATE_LIMITER_UNAVAILABLE\"");

            assertThat(send(github(FailureMode.OPEN), "203.0.113.9", GITHUB_SIGNATURE).isAccepted()).isTrue();

            WebhookGate local = github(FailureMode.LOCAL);
            assertThat(send(local, "203.0.113.9", GITHUB_SIGNATURE).isAccepted()).isTrue();
            assertThat(send(local, "203.0.113.9", GITHUB_SIGNATURE).answer().status()).as("remembered in memory").isEqualTo(409);

            assertThat(send(github(null), "203.0.113.9", "sha256=00").answer().status())
                    .as("a bad signature stays 401: nothing to count it in").isEqualTo(401);
        } finally {
            REDIS.redis().restart();
        }
    }

    @Test
    void audits_each_rejection_in_one_line_without_secret_or_body() {
        Logger audit = (Logger) LoggerFactory.getLogger("dev.ratelimit.audit");
        Level level = audit.getLevel();
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        audit.addAppender(lines);
        audit.setLevel(Level.INFO);
        try {
            WebhookGate gate = github(null);
            gate.check(Webhooks.requestFrom("203.0.113.5", "/webhooks/github\nfake line", "X-Hub-Signature-256",
                    "sha256=" + "00".repeat(32)), utf8(GITHUB_PAYLOAD));
            gate.tooLarge(request());
        } finally {
            audit.detachAppender(lines);
            audit.setLevel(level);
        }
        assertThat(lines.list).hasSize(2);
        String first = lines.list.get(0).getFormattedMessage();
        assertThat(first).isEqualTo("webhook rejected policy=hooks scope=webhook route=/webhooks/github%0Afake%20line"
                + " method=POST address=203.0.113.5 scheme=github reason=signature-mismatch status=401");
        assertThat(lines.list.get(1).getFormattedMessage()).contains("reason=body-too-large status=413");
        for (ILoggingEvent line : lines.list) {
            assertThat(line.getFormattedMessage()).doesNotContain(GITHUB_SECRET, GITHUB_PAYLOAD);
        }
    }

    @Test
    void audit_lines_past_the_bad_signature_limit_escape_the_route_too() {
        Logger audit = (Logger) LoggerFactory.getLogger("dev.ratelimit.audit");
        Level level = audit.getLevel();
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        audit.addAppender(lines);
        audit.setLevel(Level.INFO);
        try {
            WebhookGate gate = github(null, "webhook-bad-signature-limits", "1/1m");
            for (int i = 0; i < 3; i++) {
                gate.check(Webhooks.requestFrom("203.0.113.5", "/hook\r\nlevel=ERROR forged", "X-Hub-Signature-256",
                        "sha256=" + "00".repeat(32)), utf8(GITHUB_PAYLOAD));
            }
        } finally {
            audit.detachAppender(lines);
            audit.setLevel(level);
        }
        assertThat(lines.list).hasSizeGreaterThanOrEqualTo(3);
        for (ILoggingEvent line : lines.list) {
            assertThat(line.getFormattedMessage()).contains("route=/hook%0D%0Alevel%3DERROR%20forged")
                    .doesNotContain("\r", "\n", "level=ERROR");
        }
    }

    @Test
    void precheck_refuses_an_address_this_instance_saw_over_its_bad_signature_limit_without_a_store_call() {
        WebhookGate gate = github(null, "webhook-bad-signature-limits", "2/1m");
        FakeRequest forger = Webhooks.requestFrom("203.0.113.66", "/webhooks/github", "X-Hub-Signature-256",
                "sha256=" + "ab".repeat(32));
        assertThat(gate.precheck(forger).isAccepted()).as("nothing known yet").isTrue();
        gate.check(forger, utf8("forged"));
        gate.check(forger, utf8("forged"));
        assertThat(gate.precheck(forger).isAccepted()).as("at the limit, not over it").isTrue();
        assertThat(gate.check(forger, utf8("forged")).answer().status()).isEqualTo(429);

        long callsBefore = redisCalls();
        WebhookOutcome refused = gate.precheck(forger);
        assertThat(redisCalls()).as("no script call").isEqualTo(callsBefore);
        assertThat(refused.answer().status()).isEqualTo(429);
        assertThat(refused.rejection()).isEqualTo(Rejection.BAD_SIGNATURE_LIMIT);
        assertThat(Long.parseLong(refused.answer().headers().get("Retry-After"))).isBetween(1L, 60L);
        assertThat(gate.precheck(Webhooks.requestFrom("203.0.113.67", "/webhooks/github")).isAccepted())
                .as("another address").isTrue();
        assertThat(github(null, "webhook-bad-signature-limits", "2/1m").precheck(forger).isAccepted())
                .as("another instance has not seen the denial yet").isTrue();
    }

    @Test
    void forget_deletes_an_accepted_signature_so_the_same_delivery_is_accepted_again() {
        WebhookGate gate = github(null);
        WebhookOutcome accepted = send(gate, "203.0.113.9", GITHUB_SIGNATURE);
        assertThat(accepted.isAccepted()).isTrue();
        gate.forget(accepted);
        assertThat(REDIS.redis().command("EXISTS", GITHUB_REPLAY_KEY)).isEqualTo("0");
        assertThat(send(gate, "203.0.113.9", GITHUB_SIGNATURE).isAccepted()).as("the retry").isTrue();
        assertThat(send(gate, "203.0.113.9", GITHUB_SIGNATURE).answer().status()).as("remembered again").isEqualTo(409);
    }

    /** Script calls Redis has executed so far (INFO commandstats): how the bad-signature limit asks the store. */
    private static long redisCalls() {
        String stats = REDIS.redis().command("INFO", "commandstats");
        for (String line : stats.split("\r?\n")) {
            if (line.startsWith("cmdstat_evalsha:")) {
                return Long.parseLong(line.replaceAll(".*calls=(\\d+).*", "$1"));
            }
        }
        return 0;
    }

    @Test
    void in_memory_store_remembers_until_the_ttl_passes() {
        Instant[] now = {Instant.parse("2026-01-01T00:00:00Z")};
        InMemoryStore store = new InMemoryStore(10, new Clock() {
            @Override
            public Instant instant() {
                return now[0];
            }

            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }
        });
        assertThat(store.remember("k", 1000)).isTrue();
        assertThat(store.remember("k", 1000)).isFalse();
        now[0] = now[0].plusMillis(1000);
        assertThat(store.remember("k", 1000)).as("expired").isTrue();
        for (int i = 0; i < 50; i++) {
            store.remember("k" + i, 60_000);
        }
        assertThat(store.size()).as("bounded").isLessThanOrEqualTo(10);
    }
}
