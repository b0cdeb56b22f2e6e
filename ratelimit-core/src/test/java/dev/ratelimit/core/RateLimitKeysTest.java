package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.ratelimit.core.testing.FakeRequest;

class RateLimitKeysTest {

    private static Policy policy(String key) {
        return Policy.builder("p").limits(Limit.parseAll("limits", "10/1s, 100/1h"))
                .keyParts(KeyPart.parseAll("key", key)).tenantHeader("X-Tenant").build();
    }

    @Test
    void builds_one_key_per_limit_with_the_identity_as_hash_tag() {
        List<String> keys = RateLimitKeys.keysFor(policy("ip"), new FakeRequest());
        assertThat(keys).containsExactly(
                "ratelimit:api:*:*:*:{ip=203.0.113.7}:fw:1000",
                "ratelimit:api:*:*:*:{ip=203.0.113.7}:fw:3600000");
    }

    @Test
    void places_tenant_route_and_method_in_their_slots() {
        FakeRequest request = new FakeRequest();
        request.header("X-Tenant", "acme");
        request.user("bob");
        String key = RateLimitKeys.keysFor(policy("tenant,route,method,user"), request).get(0);
        assertThat(key).isEqualTo("ratelimit:api:acme:/api/orders:GET:{user=bob}:fw:1000");
    }

    @Test
    void prefers_the_tenant_the_application_set() {
        FakeRequest request = new FakeRequest();
        request.header("X-Tenant", "from-header");
        request.attribute(Policy.TENANT_ATTRIBUTE, "from-app");
        assertThat(RateLimitKeys.keysFor(policy("tenant"), request).get(0)).startsWith("ratelimit:api:from-app:");
    }

    @Test
    void counts_anonymous_requests_by_client_address() {
        assertThat(RateLimitKeys.keysFor(policy("user"), new FakeRequest()).get(0)).contains("{ip=203.0.113.7}");
        assertThat(RateLimitKeys.keysFor(policy("header:X-Api-Key,ip"), new FakeRequest()).get(0))
                .contains("{ip=203.0.113.7}:");
    }

    @Test
    void escapes_hostile_header_values() {
        FakeRequest request = new FakeRequest();
        request.header("X-Api-Key", "k}:{evil} \r\nFLUSHALL*");
        String key = RateLimitKeys.keysFor(policy("header:X-Api-Key"), request).get(0);
        assertThat(key).isEqualTo("ratelimit:api:*:*:*:{h.x-api-key=k%7D%3A%7Bevil%7D%20%0D%0AFLUSHALL%2A}:fw:1000");
        assertThat(key.chars().filter(c -> c == '{').count()).isEqualTo(1);
    }

    @Test
    void replaces_long_values_by_a_bounded_hash() {
        FakeRequest request = new FakeRequest();
        request.header("X-Api-Key", "x".repeat(10_000));
        String key = RateLimitKeys.keysFor(policy("header:X-Api-Key"), request).get(0);
        assertThat(key).matches("ratelimit:api:\\*:\\*:\\*:\\{h\\.x-api-key=#[0-9A-F]{32}\\}:fw:1000");
        FakeRequest longer = new FakeRequest().header("X-Api-Key", "x".repeat(10_001));
        assertThat(RateLimitKeys.keysFor(policy("header:X-Api-Key"), longer).get(0)).isNotEqualTo(key);
    }

    @Test
    void believes_forwarded_for_only_from_trusted_proxies() {
        FakeRequest request = new FakeRequest();
        request.address("10.0.0.5");
        request.header("X-Forwarded-For", "6.6.6.6, 198.51.100.9, 10.0.0.4");
        Policy untrusting = policy("ip");
        assertThat(RateLimitKeys.clientAddress(untrusting, request)).isEqualTo("10.0.0.5");
        Policy trusting = Policy.builder("p").limits(Limit.parseAll("limits", "1/1s"))
                .trustedProxies(TrustedProxies.parse("trusted-proxies", "10.0.0.0/8")).build();
        assertThat(RateLimitKeys.clientAddress(trusting, request)).isEqualTo("198.51.100.9");
        request.address("192.0.2.1");
        assertThat(RateLimitKeys.clientAddress(trusting, request)).as("peer is not a proxy").isEqualTo("192.0.2.1");
    }

    @Test
    void never_resolves_names_found_in_forwarded_for_but_counts_them_as_written() {
        FakeRequest request = new FakeRequest();
        request.address("::1");
        request.header("X-Forwarded-For", "evil.example.com");
        Policy trusting = Policy.builder("p").limits(Limit.parseAll("limits", "1/1s"))
                .trustedProxies(TrustedProxies.parse("trusted-proxies", "::1")).build();
        assertThat(RateLimitKeys.clientAddress(trusting, request)).isEqualTo("evil.example.com");
    }

    @Test
    void rejects_trusted_proxies_that_are_not_addresses() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TrustedProxies.parse("trusted-proxies", "10.0.0.0/33"))
                .hasMessageContaining("'trusted-proxies'");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TrustedProxies.parse("trusted-proxies", "proxy.local"))
                .hasMessageContaining("CIDR");
    }
}
