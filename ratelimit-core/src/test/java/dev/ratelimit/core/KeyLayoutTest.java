package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.ratelimit.core.testing.FakeRequest;

class KeyLayoutTest {

    private static Policy policy(String key) {
        return Policy.builder("p").limits(Limit.parseAll("limits", "10/1s, 100/1h"))
                .keyParts(KeyPart.parseAll("key", key)).tenantHeader("X-Tenant").build();
    }

    @Test
    void builds_one_key_per_limit_with_the_identity_as_hash_tag() {
        List<String> keys = policy("ip").keyLayout().keysFor(new FakeRequest());
        assertThat(keys).containsExactly(
                "ratelimit:api:p:*:*:*:{ip=203.0.113.7}:fw:1000",
                "ratelimit:api:p:*:*:*:{ip=203.0.113.7}:fw:3600000");
    }

    @Test
    void names_the_policy_escaped_or_the_counter_it_shares() {
        Policy named = Policy.builder("Orders#find k}").limits(Limit.parseAll("limits", "1/1s")).build();
        assertThat(named.keyLayout().keysFor(new FakeRequest()))
                .containsExactly("ratelimit:api:Orders%23find%20k%7D:*:*:*:{ip=203.0.113.7}:fw:1000");
        Policy sharing = Policy.builder("github").counter("webhooks").limits(Limit.parseAll("limits", "1/1s")).build();
        assertThat(sharing.keyLayout().keysFor(new FakeRequest()))
                .containsExactly("ratelimit:api:webhooks:*:*:*:{ip=203.0.113.7}:fw:1000");
    }

    @Test
    void refuses_a_counter_that_is_not_a_name() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Policy.builder("p").counter("a b"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'counter'");
    }

    @Test
    void remember_keys_are_the_policys_own_whatever_its_counter() {
        Policy sharing = Policy.builder("github").scope("webhook").counter("webhooks")
                .limits(Limit.parseAll("limits", "1/1s")).build();
        assertThat(sharing.keyLayout().rememberKey("replay", "ab:c"))
                .isEqualTo("ratelimit:webhook:policy=github:{replay=ab%3Ac}");
    }

    @Test
    void finds_the_keys_of_one_identity_under_its_own_counter_only() {
        KeyLayout.IdentityKeys alice = policy("user,route").keyLayout().keysOf("user=alice");
        assertThat(alice.scanPattern()).isEqualTo("ratelimit:api:p:*user=alice*");
        assertThat(alice.matches("ratelimit:api:p:*:/a:*:{user=alice}:fw:1000")).isTrue();
        assertThat(alice.matches("ratelimit:api:p:*:/a:*:{h.k=1+user=alice}:fw:1000")).isTrue();
        assertThat(alice.matches("ratelimit:api:p:*:/a:*:{user=alice2}:fw:1000")).isFalse();
        assertThat(alice.matches("ratelimit:api:other:*:/a:*:{user=alice}:fw:1000")).isFalse();
        assertThat(policy("ip").keyLayout().keysOf("ip=2001:db8:1:2::9").scanPattern())
                .as("an IPv6 address stands for its network").isEqualTo("ratelimit:api:p:*ip=2001%3Adb8%3A1%3A2%3A%3A/64*");
    }

    @Test
    void collision_signatures_ignore_the_order_of_parts_and_see_the_address_behind_user_and_headers() {
        assertThat(policy("ip,route").keyLayout().collisionSignatures())
                .isEqualTo(policy("route,ip").keyLayout().collisionSignatures());
        assertThat(policy("user").keyLayout().collisionSignatures())
                .isEqualTo(policy("ip").keyLayout().collisionSignatures())
                .isEqualTo(policy("header:X-Api-Key,user").keyLayout().collisionSignatures());
        assertThat(policy("ip,tenant").keyLayout().collisionSignatures()).as("a request without tenant")
                .isEqualTo(policy("ip").keyLayout().collisionSignatures());
        assertThat(policy("ip,route").keyLayout().collisionSignatures())
                .doesNotContainAnyElementsOf(policy("ip").keyLayout().collisionSignatures())
                .doesNotContainAnyElementsOf(policy("route").keyLayout().collisionSignatures());
        Policy other = Policy.builder("q").limits(Limit.parseAll("limits", "10/1s, 100/1h")).build();
        assertThat(other.keyLayout().collisionSignatures()).as("another policy counts apart")
                .doesNotContainAnyElementsOf(policy("ip").keyLayout().collisionSignatures());
    }

    @Test
    void places_tenant_route_and_method_in_their_slots() {
        FakeRequest request = new FakeRequest();
        request.header("X-Tenant", "acme");
        request.user("bob");
        String key = policy("tenant,route,method,user").keyLayout().keysFor(request).get(0);
        assertThat(key).isEqualTo("ratelimit:api:p:acme:/api/orders:GET:{user=bob}:fw:1000");
    }

    @Test
    void prefers_the_tenant_the_application_set() {
        FakeRequest request = new FakeRequest();
        request.header("X-Tenant", "from-header");
        request.attribute(Policy.TENANT_ATTRIBUTE, "from-app");
        assertThat(policy("tenant").keyLayout().keysFor(request).get(0)).startsWith("ratelimit:api:p:from-app:");
    }

    @Test
    void counts_anonymous_requests_by_client_address() {
        assertThat(policy("user").keyLayout().keysFor(new FakeRequest()).get(0)).contains("{ip=203.0.113.7}");
        assertThat(policy("header:X-Api-Key,ip").keyLayout().keysFor(new FakeRequest()).get(0))
                .contains("{ip=203.0.113.7}:");
    }

    @Test
    void escapes_hostile_header_values() {
        FakeRequest request = new FakeRequest();
        request.header("X-Api-Key", "k}:{evil} \r\nFLUSHALL*");
        String key = policy("header:X-Api-Key").keyLayout().keysFor(request).get(0);
        assertThat(key).isEqualTo("ratelimit:api:p:*:*:*:{h.x-api-key=k%7D%3A%7Bevil%7D%20%0D%0AFLUSHALL%2A}:fw:1000");
        assertThat(key.chars().filter(c -> c == '{').count()).isEqualTo(1);
    }

    @Test
    void replaces_long_values_by_a_bounded_hash() {
        FakeRequest request = new FakeRequest();
        request.header("X-Api-Key", "x".repeat(10_000));
        String key = policy("header:X-Api-Key").keyLayout().keysFor(request).get(0);
        assertThat(key).matches("ratelimit:api:p:\\*:\\*:\\*:\\{h\\.x-api-key=#[0-9A-F]{32}\\}:fw:1000");
        FakeRequest longer = new FakeRequest().header("X-Api-Key", "x".repeat(10_001));
        assertThat(policy("header:X-Api-Key").keyLayout().keysFor(longer).get(0)).isNotEqualTo(key);
    }

    @Test
    void believes_forwarded_for_only_from_trusted_proxies() {
        FakeRequest request = new FakeRequest();
        request.address("10.0.0.5");
        request.header("X-Forwarded-For", "6.6.6.6, 198.51.100.9, 10.0.0.4");
        Policy untrusting = policy("ip");
        assertThat(untrusting.clientAddress(request)).isEqualTo("10.0.0.5");
        Policy trusting = Policy.builder("p").limits(Limit.parseAll("limits", "1/1s"))
                .trustedProxies(TrustedProxies.parse("trusted-proxies", "10.0.0.0/8")).build();
        assertThat(trusting.clientAddress(request)).isEqualTo("198.51.100.9");
        request.address("192.0.2.1");
        assertThat(trusting.clientAddress(request)).as("peer is not a proxy").isEqualTo("192.0.2.1");
    }

    @Test
    void never_resolves_names_found_in_forwarded_for_but_counts_them_as_written() {
        FakeRequest request = new FakeRequest();
        request.address("::1");
        request.header("X-Forwarded-For", "evil.example.com");
        Policy trusting = Policy.builder("p").limits(Limit.parseAll("limits", "1/1s"))
                .trustedProxies(TrustedProxies.parse("trusted-proxies", "::1")).build();
        assertThat(trusting.clientAddress(request)).isEqualTo("evil.example.com");
    }

    @Test
    void rejects_trusted_proxies_that_are_not_addresses() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TrustedProxies.parse("trusted-proxies", "10.0.0.0/33"))
                .hasMessageContaining("'trusted-proxies'");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TrustedProxies.parse("trusted-proxies", "proxy.local"))
                .hasMessageContaining("CIDR");
    }
}
