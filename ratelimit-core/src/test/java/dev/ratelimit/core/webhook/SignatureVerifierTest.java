package dev.ratelimit.core.webhook;

import static dev.ratelimit.core.webhook.Webhooks.GENERIC_SECRET;
import static dev.ratelimit.core.webhook.Webhooks.GENERIC_SHA512_BASE64;
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

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Real HMACs from known vectors: GitHub's documented example, and Stripe/generic vectors computed with openssl. */
class SignatureVerifierTest {

    private static final long NOW = STRIPE_TIMESTAMP * 1000 + 30_000;

    @Nested
    class Github {

        private final SignatureVerifier verifier = new SignatureVerifier(settings(
                map("webhook-scheme", "github", "webhook-secret-env", "GH"), map("GH", GITHUB_SECRET)));

        @Test
        void accepts_githubs_documented_example() {
            Verification v = verifier.verify(request("X-Hub-Signature-256", GITHUB_SIGNATURE), utf8(GITHUB_PAYLOAD), NOW);
            assertThat(v.isValid()).isTrue();
            assertThat(v.replayId()).isEqualTo(GITHUB_SIGNATURE.substring("sha256=".length()));
            assertThat(v.replayTtlMillis()).as("no timestamp: remembered for the tolerance").isEqualTo(300_000);
        }

        @Test
        void accepts_upper_case_hex() {
            assertThat(verifier.verify(request("X-Hub-Signature-256", "sha256=" + GITHUB_SIGNATURE.substring(7).toUpperCase()),
                    utf8(GITHUB_PAYLOAD), NOW).isValid()).isTrue();
        }

        @Test
        void rejects_a_tampered_body() {
            assertThat(verifier.verify(request("X-Hub-Signature-256", GITHUB_SIGNATURE), utf8("Hello, World?"), NOW)
                    .rejection()).isEqualTo(Rejection.SIGNATURE_MISMATCH);
        }

        @Test
        void rejects_a_signature_made_with_another_secret() {
            SignatureVerifier other = new SignatureVerifier(settings(
                    map("webhook-scheme", "github", "webhook-secret-env", "GH"), map("GH", "another secret")));
            assertThat(other.verify(request("X-Hub-Signature-256", GITHUB_SIGNATURE), utf8(GITHUB_PAYLOAD), NOW)
                    .rejection()).isEqualTo(Rejection.SIGNATURE_MISMATCH);
        }

        @Test
        void rejects_a_missing_or_malformed_header() {
            assertThat(verifier.verify(request(), utf8(GITHUB_PAYLOAD), NOW).rejection())
                    .isEqualTo(Rejection.MISSING_SIGNATURE);
            assertThat(verifier.verify(request("X-Hub-Signature-256", GITHUB_SIGNATURE.substring(7)), utf8(GITHUB_PAYLOAD), NOW)
                    .rejection()).as("without sha256=").isEqualTo(Rejection.MALFORMED_SIGNATURE);
            assertThat(verifier.verify(request("X-Hub-Signature-256", "sha256=zz"), utf8(GITHUB_PAYLOAD), NOW)
                    .rejection()).isEqualTo(Rejection.MALFORMED_SIGNATURE);
            assertThat(verifier.verify(request("X-Hub-Signature-256", "sha256=" + GITHUB_SIGNATURE.substring(7, 41)),
                    utf8(GITHUB_PAYLOAD), NOW).rejection()).as("truncated").isEqualTo(Rejection.SIGNATURE_MISMATCH);
        }

        @Test
        void accepts_old_and_new_secret_during_rotation_with_one_replay_id() {
            SignatureVerifier rotating = new SignatureVerifier(settings(
                    map("webhook-scheme", "github", "webhook-secret-env", "NEW, OLD"),
                    map("NEW", "the new secret", "OLD", GITHUB_SECRET)));
            Verification old = rotating.verify(request("X-Hub-Signature-256", GITHUB_SIGNATURE), utf8(GITHUB_PAYLOAD), NOW);
            assertThat(old.isValid()).isTrue();
            String newSignature = "sha256=" + SignatureEncoding.hex(HmacAlgorithm.HMAC_SHA256.sign(
                    HmacAlgorithm.HMAC_SHA256.key(utf8("the new secret")), utf8(GITHUB_PAYLOAD)));
            Verification fresh = rotating.verify(request("X-Hub-Signature-256", newSignature), utf8(GITHUB_PAYLOAD), NOW);
            assertThat(fresh.isValid()).isTrue();
            assertThat(old.replayId()).as("a copy signed with another secret is still the same request")
                    .isEqualTo(fresh.replayId());
        }
    }

    @Nested
    class Stripe {

        private final SignatureVerifier verifier = new SignatureVerifier(settings(
                map("webhook-scheme", "stripe", "webhook-secret-env", "ST"),
                map("ST", STRIPE_SECRET)));

        private Verification verify(String header, String body, long now) {
            return verifier.verify(request("Stripe-Signature", header), utf8(body), now);
        }

        @Test
        void accepts_a_signature_over_timestamp_dot_body() {
            Verification v = verify("t=" + STRIPE_TIMESTAMP + ",v1=" + STRIPE_V1, STRIPE_PAYLOAD, NOW);
            assertThat(v.isValid()).isTrue();
            assertThat(v.replayTtlMillis()).as("the replay window, which defaults to the tolerance")
                    .isEqualTo(300_000);
        }

        @Test
        void accepts_any_matching_v1_and_ignores_v0() {
            String other = "0".repeat(64);
            assertThat(verify("t=" + STRIPE_TIMESTAMP + ",v0=" + other + ",v1=" + other + ",v1=" + STRIPE_V1,
                    STRIPE_PAYLOAD, NOW).isValid()).isTrue();
        }

        @Test
        void rejects_a_timestamp_outside_the_tolerance_either_way() {
            String header = "t=" + STRIPE_TIMESTAMP + ",v1=" + STRIPE_V1;
            long signedAt = STRIPE_TIMESTAMP * 1000;
            assertThat(verify(header, STRIPE_PAYLOAD, signedAt + 300_000).isValid()).isTrue();
            assertThat(verify(header, STRIPE_PAYLOAD, signedAt + 300_001).rejection()).isEqualTo(Rejection.STALE_TIMESTAMP);
            assertThat(verify(header, STRIPE_PAYLOAD, signedAt - 300_001).rejection()).isEqualTo(Rejection.STALE_TIMESTAMP);
        }

        @Test
        void rejects_a_changed_timestamp_or_body() {
            assertThat(verify("t=" + (STRIPE_TIMESTAMP + 1) + ",v1=" + STRIPE_V1, STRIPE_PAYLOAD, NOW).rejection())
                    .isEqualTo(Rejection.SIGNATURE_MISMATCH);
            assertThat(verify("t=" + STRIPE_TIMESTAMP + ",v1=" + STRIPE_V1, STRIPE_PAYLOAD + " ", NOW).rejection())
                    .isEqualTo(Rejection.SIGNATURE_MISMATCH);
        }

        @Test
        void rejects_headers_without_t_or_v1_or_with_two_ts() {
            assertThat(verify("v1=" + STRIPE_V1, STRIPE_PAYLOAD, NOW).rejection()).isEqualTo(Rejection.MALFORMED_SIGNATURE);
            assertThat(verify("t=" + STRIPE_TIMESTAMP, STRIPE_PAYLOAD, NOW).rejection()).isEqualTo(Rejection.MALFORMED_SIGNATURE);
            assertThat(verify("t=" + STRIPE_TIMESTAMP + ",t=1,v1=" + STRIPE_V1, STRIPE_PAYLOAD, NOW).rejection())
                    .isEqualTo(Rejection.MALFORMED_SIGNATURE);
            assertThat(verify("t=-5,v1=" + STRIPE_V1, STRIPE_PAYLOAD, NOW).rejection()).isEqualTo(Rejection.MALFORMED_SIGNATURE);
            assertThat(verify("garbage", STRIPE_PAYLOAD, NOW).rejection()).isEqualTo(Rejection.MALFORMED_SIGNATURE);
        }
    }

    @Nested
    class Generic {

        @Test
        void checks_hmac_sha512_in_base64_over_a_timestamp_header() {
            SignatureVerifier verifier = new SignatureVerifier(settings(map("webhook-scheme", "generic",
                    "webhook-secret-env", "S", "webhook-header", "X-Signature", "webhook-encoding", "base64",
                    "webhook-algorithm", "hmac-sha512", "webhook-timestamp-header", "X-Timestamp"), map("S", GENERIC_SECRET)));
            assertThat(verifier.verify(request("X-Signature", GENERIC_SHA512_BASE64, "X-Timestamp", "1700000000"),
                    utf8(STRIPE_PAYLOAD), NOW).isValid()).isTrue();
            assertThat(verifier.verify(request("X-Signature", GENERIC_SHA512_BASE64), utf8(STRIPE_PAYLOAD), NOW)
                    .rejection()).as("timestamp missing").isEqualTo(Rejection.MISSING_SIGNATURE);
            assertThat(verifier.verify(request("X-Signature", GENERIC_SHA512_BASE64, "X-Timestamp", "1700000000"),
                    utf8(STRIPE_PAYLOAD), NOW + 600_000).rejection()).isEqualTo(Rejection.STALE_TIMESTAMP);
            assertThat(verifier.verify(request("X-Signature", "***", "X-Timestamp", "1700000000"),
                    utf8(STRIPE_PAYLOAD), NOW).rejection()).isEqualTo(Rejection.MALFORMED_SIGNATURE);
        }

        @Test
        void checks_hex_hmac_sha256_of_the_body_with_or_without_prefix() {
            SignatureVerifier verifier = new SignatureVerifier(settings(map("webhook-scheme", "generic",
                    "webhook-secret-env", "S", "webhook-header", "X-Sig"), map("S", GITHUB_SECRET)));
            assertThat(verifier.verify(request("X-Sig", GITHUB_SIGNATURE.substring(7)), utf8(GITHUB_PAYLOAD), NOW)
                    .isValid()).isTrue();
            assertThat(verifier.verify(request("X-Sig", GITHUB_SIGNATURE), utf8(GITHUB_PAYLOAD), NOW).isValid()).isTrue();
            assertThat(verifier.verify(request("X-Hub-Signature-256", GITHUB_SIGNATURE), utf8(GITHUB_PAYLOAD), NOW)
                    .rejection()).isEqualTo(Rejection.MISSING_SIGNATURE);
        }
    }
}
