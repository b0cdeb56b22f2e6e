package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.ratelimit.core.testing.FakeRequest;

/** How the client is found in the chain of addresses that trusted proxies wrote. */
class ForwardedChainTest {

    private static Policy trusting(String proxies) {
        return Policy.builder("p").limits(Limit.parseAll("limits", "1/1s"))
                .trustedProxies(TrustedProxies.parse("trusted-proxies", proxies)).build();
    }

    private static FakeRequest behindProxy(String forwardedFor) {
        return FakeRequest.from("10.0.0.5").header("X-Forwarded-For", forwardedFor);
    }

    @Test
    void an_ipv4_hop_with_a_port_is_the_address_without_its_port() {
        FakeRequest request = behindProxy("6.6.6.6, 198.51.100.9:54321, 10.0.0.4");
        assertThat(trusting("10.0.0.0/8").clientAddress(request)).isEqualTo("198.51.100.9");
    }

    @Test
    void a_bracketed_ipv6_hop_with_a_port_is_the_address_without_its_port() {
        FakeRequest request = behindProxy("[2001:db8::1]:443");
        assertThat(trusting("10.0.0.0/8").clientAddress(request)).isEqualTo("2001:db8::1");
    }

    @Test
    void a_quoted_hop_is_the_address_inside_the_quotes() {
        FakeRequest request = behindProxy("\"[2001:db8::2]:8443\"");
        assertThat(trusting("10.0.0.0/8").clientAddress(request)).isEqualTo("2001:db8::2");
    }

    @Test
    void an_unparseable_hop_a_trusted_proxy_wrote_is_its_own_identity_never_the_proxys() {
        Policy policy = trusting("10.0.0.0/8");
        FakeRequest one = behindProxy("6.6.6.6, client-one, 10.0.0.4");
        FakeRequest two = behindProxy("6.6.6.6, client-two, 10.0.0.4");
        assertThat(policy.clientAddress(one)).isEqualTo("client-one");
        assertThat(policy.keyLayout().keysFor(one).get(0)).isEqualTo("ratelimit:api:p:*:*:*:{ip=client-one}:fw:1000");
        assertThat(policy.keyLayout().keysFor(two).get(0)).isEqualTo("ratelimit:api:p:*:*:*:{ip=client-two}:fw:1000");
    }

    @Test
    void an_unparseable_hop_is_escaped_in_the_key() {
        FakeRequest request = behindProxy("6.6.6.6, evil}:{x y, 10.0.0.4");
        assertThat(trusting("10.0.0.0/8").keyLayout().keysFor(request).get(0))
                .isEqualTo("ratelimit:api:p:*:*:*:{ip=evil%7D%3A%7Bx%20y}:fw:1000");
    }
}
