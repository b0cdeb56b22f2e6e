package dev.ratelimit.core.webhook;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import dev.ratelimit.core.ConfigParams;
import dev.ratelimit.core.testing.FakeRequest;

/** Test helpers: settings from a map of params and a fake environment, and a request with headers. */
final class Webhooks {

    /** GitHub's documented example (docs.github.com, "Validating webhook deliveries"). */
    static final String GITHUB_SECRET = "It's a Secret to Everybody";
    static final String GITHUB_PAYLOAD = "Hello, World!";
    static final String GITHUB_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    /** Computed with: printf '1700000000.%s' "$BODY" | openssl dgst -sha256 -hmac whsec_test_secret */
    static final String STRIPE_SECRET = "whsec_test_secret";
    static final String STRIPE_PAYLOAD = "{\"id\":\"evt_1\",\"type\":\"payment_intent.succeeded\"}";
    static final long STRIPE_TIMESTAMP = 1_700_000_000L;
    static final String STRIPE_V1 = "22d8dc182f5c588077683bd378368e29765bfe5df2560112b4f28fef120f0e31";

    /** printf '1700000000.%s' "$STRIPE_PAYLOAD" | openssl dgst -sha512 -hmac generic-secret -binary | base64 */
    static final String GENERIC_SECRET = "generic-secret";
    static final String GENERIC_SHA512_BASE64 =
            "5Q5sganVNIkzQo/Hz5fY6YYaG0GPttDyr+iuFBeO6sdDV6JjbukvMWSjmJcz9DOzlJ6Fhk4kETjqZMo9JNZ1Tg==";

    private Webhooks() {
    }

    static Map<String, String> map(String... keyValues) {
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put(keyValues[i], keyValues[i + 1]);
        }
        return map;
    }

    static WebhookSettings settings(Map<String, String> params, Map<String, String> env) {
        return WebhookParams.read(new ConfigParams(params::get), "webhook", env::get, name -> null);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static FakeRequest request(String... headers) {
        return requestFrom("203.0.113.9", "/webhooks/github", headers);
    }

    /** A POST with these header name/value pairs. */
    static FakeRequest requestFrom(String address, String route, String... headers) {
        FakeRequest request = FakeRequest.from(address).method("POST").route(route);
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return request;
    }
}
