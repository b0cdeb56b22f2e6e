package dev.ratelimit.core.webhook;

import static dev.ratelimit.core.webhook.Webhooks.map;
import static dev.ratelimit.core.webhook.Webhooks.settings;
import static dev.ratelimit.core.webhook.Webhooks.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import dev.ratelimit.core.testing.FakeRequest;

/**
 * Whatever a client writes in the signature and timestamp headers, verification answers with a
 * rejection and never throws (a thrown exception would be a 500 and skip the bad-signature count).
 */
class SignatureVerifierPropertiesTest {

    private static final long NOW = Webhooks.STRIPE_TIMESTAMP * 1000;

    private static final SignatureVerifier GITHUB = new SignatureVerifier(settings(
            map("webhook-scheme", "github", "webhook-secret-env", "S"), map("S", "secret")));
    private static final SignatureVerifier STRIPE = new SignatureVerifier(settings(
            map("webhook-scheme", "stripe", "webhook-secret-env", "S"), map("S", "secret")));
    private static final SignatureVerifier GENERIC_HEX = new SignatureVerifier(settings(
            map("webhook-scheme", "generic", "webhook-header", "X-Signature", "webhook-secret-env", "S"),
            map("S", "secret")));
    private static final SignatureVerifier GENERIC_BASE64_TIMESTAMPED = new SignatureVerifier(settings(
            map("webhook-scheme", "generic", "webhook-header", "X-Signature", "webhook-encoding", "base64",
                    "webhook-algorithm", "hmac-sha512", "webhook-timestamp-header", "X-Timestamp",
                    "webhook-secret-env", "S"),
            map("S", "secret")));

    @Property(tries = 400)
    void github_headers_never_throw(@ForAll("headerValues") String header) {
        assertRejected(GITHUB, request("X-Hub-Signature-256", header, null));
    }

    @Property(tries = 400)
    void stripe_headers_never_throw(@ForAll("stripeHeaders") String header) {
        assertRejected(STRIPE, request("Stripe-Signature", header, null));
    }

    @Property(tries = 400)
    void generic_hex_headers_never_throw(@ForAll("headerValues") String header) {
        assertRejected(GENERIC_HEX, request("X-Signature", header, null));
    }

    @Property(tries = 400)
    void generic_base64_headers_and_timestamps_never_throw(@ForAll("headerValues") String header,
                                                           @ForAll("timestamps") String timestamp) {
        assertRejected(GENERIC_BASE64_TIMESTAMPED, request("X-Signature", header, timestamp));
    }

    private static void assertRejected(SignatureVerifier verifier, FakeRequest request) {
        Verification verification = verifier.verify(request, utf8("{\"id\":1}"), NOW);
        assertThat(verification.isValid()).isFalse();
        assertThat(verification.rejection()).isNotNull();
    }

    private static FakeRequest request(String header, String value, String timestamp) {
        return timestamp == null ? Webhooks.requestFrom("203.0.113.9", "/hook", header, value)
                : Webhooks.requestFrom("203.0.113.9", "/hook", header, value, "X-Timestamp", timestamp);
    }

    /** Any text, and text built from the pieces signature headers are made of. */
    @Provide
    Arbitrary<String> headerValues() {
        Arbitrary<String> pieces = Arbitraries.of("sha256=", "sha512=", "SHA256=", "=", ",", " ", "t=", "v1=", "v0=",
                "00", "ff", "AB", "zz", "+/", "==", "\u0000", "\u00e9", "\ud83d\ude00", "\uff11", "-", "9", "999999999999999")
                .list().ofMaxSize(12).map(list -> String.join("", list));
        return Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(200), pieces,
                Arbitraries.strings().withCharRange('0', 'f').ofMaxLength(130));
    }

    @Provide
    Arbitrary<String> stripeHeaders() {
        Arbitrary<String> items = Combinators.combine(
                Arbitraries.of("t", "v1", "v0", "", " t", "T", "v1 "),
                Arbitraries.oneOf(timestamps(), Arbitraries.strings().withCharRange('0', 'g').ofMaxLength(70),
                        Arbitraries.strings().ofMaxLength(20)),
                Arbitraries.of("=", "", "==", " = "))
                .as((key, value, eq) -> key + eq + value);
        return Arbitraries.oneOf(items.list().ofMaxSize(6).map(list -> String.join(",", list)), headerValues());
    }

    @Provide
    Arbitrary<String> timestamps() {
        return Arbitraries.oneOf(
                Arbitraries.longs().map(n -> Long.toString(n)),
                Arbitraries.strings().numeric().ofMaxLength(25),
                Arbitraries.of("", " ", "-1", "+1", "1e9", "0x10", "١٢٣", "9223372036854775808", "999999999999"),
                Arbitraries.strings().ofMaxLength(20));
    }
}
