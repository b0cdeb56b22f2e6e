package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ratelimit.core.testing.FakeRequest;

/** From a request to its client: every header line, Forwarded, ports, IPv6 networks, tokens. */
class ClientAddressesTest {

    private static Policy.Builder policy() {
        return Policy.builder("clients").limits(Limit.parseAll("limits", "1/1s"));
    }

    private static Policy trusting(String proxies) {
        return policy().trustedProxies(TrustedProxies.parse("trusted-proxies", proxies)).build();
    }

    private static Policy forwarded(String proxies) {
        return policy().trustedProxies(TrustedProxies.parse("trusted-proxies", proxies))
                .clientAddressHeader(ClientAddressHeader.FORWARDED).build();
    }

    private static String address(Policy policy, FakeRequest request) {
        return policy.clientAddress(request);
    }

    private static String identity(Policy policy, FakeRequest request) {
        return policy.clientIdentity(request);
    }

    // --- every line of X-Forwarded-For

    @Test
    void reads_every_forwarded_for_line_as_one_list_so_a_forged_first_line_changes_nothing() {
        Policy policy = trusting("10.0.0.0/8");
        FakeRequest one = FakeRequest.from("10.0.0.5").header("X-Forwarded-For", "203.0.113.1", "198.51.100.7");
        FakeRequest two = FakeRequest.from("10.0.0.5").header("X-Forwarded-For", "203.0.113.2", "198.51.100.7");
        assertThat(identity(policy, one)).isEqualTo("198.51.100.7").isEqualTo(identity(policy, two));
    }

    @Test
    void walks_from_the_last_line_through_trusted_proxies_of_every_line() {
        FakeRequest request = FakeRequest.from("10.0.0.5").header("X-Forwarded-For", "6.6.6.6, 198.51.100.9", "10.0.0.3, 10.0.0.4");
        assertThat(address(trusting("10.0.0.0/8"), request)).isEqualTo("198.51.100.9");
    }

    @Test
    void skips_empty_list_elements_and_empty_lines() {
        FakeRequest request = FakeRequest.from("10.0.0.5").header("X-Forwarded-For", "198.51.100.9,, ", "", " ,10.0.0.4");
        assertThat(address(trusting("10.0.0.0/8"), request)).isEqualTo("198.51.100.9");
    }

    @Test
    void believes_nothing_from_a_peer_that_is_not_a_trusted_proxy() {
        FakeRequest request = FakeRequest.from("192.0.2.1").header("X-Forwarded-For", "198.51.100.9").header("Forwarded", "for=198.51.100.9");
        assertThat(address(trusting("10.0.0.0/8"), request)).isEqualTo("192.0.2.1");
        assertThat(address(forwarded("10.0.0.0/8"), request)).isEqualTo("192.0.2.1");
    }

    @Test
    void a_chain_of_trusted_proxies_only_ends_at_its_left_most_address() {
        FakeRequest request = FakeRequest.from("10.0.0.5").header("X-Forwarded-For", "10.0.0.1, 10.0.0.2");
        assertThat(address(trusting("10.0.0.0/8"), request)).isEqualTo("10.0.0.1");
    }

    // --- Forwarded (RFC 7239)

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "for=192.0.2.60;proto=http;by=203.0.113.43           | 192.0.2.60",
            "For=\"[2001:db8:cafe::17]:4711\"                     | 2001:db8:cafe::17",
            "for=\"192.0.2.43:47011\"                             | 192.0.2.43",
            "proto=https; for=198.51.100.3 ; host=example.com     | 198.51.100.3",
            "for=\"\\[2001:db8::9\\]\"                             | 2001:db8::9",
            "for=192.0.2.43, for=198.51.100.17                    | 198.51.100.17",
            "for=198.51.100.17;host=\"a,b;c\"                     | 198.51.100.17",
            "for=_hidden                                          | _hidden",
            "for=unknown                                          | unknown",
            "for=\"_gazonk:_port\"                                | _gazonk:_port",
            "proto=https                                          | unknown"})
    void reads_the_for_node_of_the_last_forwarded_element(String header, String client) {
        FakeRequest request = FakeRequest.from("10.0.0.5").header("Forwarded", header);
        assertThat(address(forwarded("10.0.0.0/8"), request)).isEqualTo(client);
    }

    @Test
    void reads_every_forwarded_line_and_skips_trusted_elements() {
        FakeRequest request = FakeRequest.from("10.0.0.5").header("Forwarded", "for=203.0.113.1",
                "for=198.51.100.7;proto=https, for=\"[::ffff:10.0.0.2]:80\"");
        assertThat(address(forwarded("10.0.0.0/8"), request)).isEqualTo("198.51.100.7");
    }

    @Test
    void an_unclosed_quote_in_a_forged_start_of_the_line_cannot_swallow_the_proxys_element() {
        Policy policy = forwarded("10.0.0.0/8");
        for (String forged : new String[] {"for=\"x", "for=\"x\\", "for=\"a\"b\"", "for=\"x, y=\"", "\"", "for=\"[", ";;=\""}) {
            FakeRequest token = FakeRequest.from("10.0.0.5").header("Forwarded", forged + ", for=198.51.100.7");
            FakeRequest quoted = FakeRequest.from("10.0.0.5").header("Forwarded", forged + ", for=\"[2001:db8::7]:443\"");
            assertThat(address(policy, token)).as(forged).isEqualTo("198.51.100.7");
            assertThat(address(policy, quoted)).as(forged).isEqualTo("2001:db8::7");
        }
    }

    @Test
    void forwarded_is_ignored_when_x_forwarded_for_is_configured_and_the_other_way_round() {
        FakeRequest request = FakeRequest.from("10.0.0.5").header("Forwarded", "for=198.51.100.1").header("X-Forwarded-For", "198.51.100.2");
        assertThat(address(trusting("10.0.0.0/8"), request)).isEqualTo("198.51.100.2");
        assertThat(address(forwarded("10.0.0.0/8"), request)).isEqualTo("198.51.100.1");
    }

    // --- tokens

    @Test
    void obfuscated_and_unknown_nodes_are_each_their_own_identity() {
        Policy policy = forwarded("10.0.0.0/8");
        assertThat(policy.keyLayout().keysFor(FakeRequest.from("10.0.0.5").header("Forwarded", "for=_abc")).get(0))
                .isEqualTo("ratelimit:api:clients:*:*:*:{ip=_abc}:fw:1000");
        assertThat(policy.keyLayout().keysFor(FakeRequest.from("10.0.0.5").header("Forwarded", "for=unknown")).get(0))
                .isEqualTo("ratelimit:api:clients:*:*:*:{ip=unknown}:fw:1000");
    }

    @Test
    void warns_once_per_policy_of_a_node_that_is_no_address_escaping_it_and_never_for_obfuscated_ones() {
        Logger logger = (Logger) LoggerFactory.getLogger(ClientAddresses.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        try {
            Policy policy = trusting("10.0.0.0/8");
            address(policy, FakeRequest.from("10.0.0.5").header("X-Forwarded-For", "_obfuscated, unknown"));
            assertThat(lines.list).isEmpty();
            address(policy, FakeRequest.from("10.0.0.5").header("X-Forwarded-For", "bad\nINFO forged=line"));
            address(policy, FakeRequest.from("10.0.0.5").header("X-Forwarded-For", "other-bad"));
            address(trusting("10.0.0.0/8"), FakeRequest.from("10.0.0.5").header("X-Forwarded-For", "bad-again"));
        } finally {
            logger.detachAppender(lines);
        }
        assertThat(lines.list).hasSize(2);
        assertThat(lines.list.get(0).getLevel().toString()).isEqualTo("WARN");
        assertThat(lines.list.get(0).getFormattedMessage()).contains("'bad%0AINFO%20forged%3Dline'")
                .contains("policy 'clients'").doesNotContain("\n");
    }

    @Test
    void the_audit_line_of_a_denial_shows_a_token_escaped() {
        Logger audit = (Logger) LoggerFactory.getLogger(AuditLog.LOGGER);
        Level level = audit.getLevel();
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        audit.addAppender(lines);
        audit.setLevel(Level.INFO);
        try {
            RateLimiter limiter = new RateLimiter(trusting("10.0.0.0/8"), new dev.ratelimit.core.memory.InMemoryStore(), null);
            FakeRequest request = FakeRequest.from("10.0.0.5").header("X-Forwarded-For", "x\nINFO denied address=1.2.3.4");
            limiter.acquire(request);
            limiter.acquire(request);
        } finally {
            audit.detachAppender(lines);
            audit.setLevel(level);
        }
        assertThat(lines.list).hasSize(1);
        assertThat(lines.list.get(0).getFormattedMessage())
                .contains(" address=x%0AINFO%20denied%20address%3D1.2.3.4 ").doesNotContain("\n");
    }

    @Test
    void a_peer_that_is_no_address_is_counted_as_written() {
        assertThat(identity(trusting("10.0.0.0/8"), FakeRequest.from("unix:/tmp/socket"))).isEqualTo("unix:/tmp/socket");
        assertThat(identity(policy().build(), FakeRequest.from(null))).isEqualTo("unknown");
    }

    // --- IPv6 networks and IPv4-mapped addresses

    @Test
    void counts_an_ipv6_client_by_its_64_bit_network_by_default() {
        Policy policy = policy().build();
        assertThat(identity(policy, FakeRequest.from("2001:db8:1:2:aaaa::1"))).isEqualTo("2001:db8:1:2::/64");
        assertThat(identity(policy, FakeRequest.from("2001:0DB8:0001:0002:ffff:ffff:ffff:ffff"))).isEqualTo("2001:db8:1:2::/64");
        assertThat(identity(policy, FakeRequest.from("2001:db8:1:3::1"))).isEqualTo("2001:db8:1:3::/64");
        assertThat(address(policy, FakeRequest.from("2001:db8:1:2:aaaa::1"))).as("the full address stays known")
                .isEqualTo("2001:db8:1:2:aaaa::1");
        assertThat(policy.keyLayout().keysFor(FakeRequest.from("2001:db8:1:2:aaaa::1")).get(0))
                .isEqualTo("ratelimit:api:clients:*:*:*:{ip=2001%3Adb8%3A1%3A2%3A%3A/64}:fw:1000");
    }

    @ParameterizedTest
    @CsvSource({"32, 2001:db8::/32", "48, 2001:db8:1::/48", "56, 2001:db8:1:200::/56", "127, 2001:db8:1:2ff:aaaa::/127",
            "128, 2001:db8:1:2ff:aaaa::1"})
    void counts_per_network_of_the_configured_prefix(int prefix, String expected) {
        Policy policy = policy().ipv6Prefix(prefix).build();
        assertThat(identity(policy, FakeRequest.from("2001:db8:1:2ff:aaaa::1"))).isEqualTo(expected);
    }

    @Test
    void ipv4_mapped_addresses_are_the_ipv4_address_for_identity_and_trust() {
        Policy policy = trusting("10.0.0.0/8");
        assertThat(identity(policy, FakeRequest.from("::ffff:203.0.113.7"))).isEqualTo("203.0.113.7");
        assertThat(identity(policy, FakeRequest.from("::ffff:10.0.0.5").header("X-Forwarded-For", "::FFFF:cb00:7107")))
                .isEqualTo("203.0.113.7");
        Policy mappedBlock = trusting("::ffff:10.0.0.0/104");
        assertThat(identity(mappedBlock, FakeRequest.from("10.1.2.3").header("X-Forwarded-For", "198.51.100.1")))
                .isEqualTo("198.51.100.1");
    }

    @Test
    void trust_is_decided_on_the_full_ipv6_address_not_its_network() {
        Policy policy = trusting("2001:db8::1/128");
        FakeRequest fromProxy = FakeRequest.from("2001:db8::1").header("X-Forwarded-For", "198.51.100.1");
        FakeRequest fromNeighbour = FakeRequest.from("2001:db8::2").header("X-Forwarded-For", "198.51.100.1");
        assertThat(identity(policy, fromProxy)).isEqualTo("198.51.100.1");
        assertThat(identity(policy, fromNeighbour)).isEqualTo("2001:db8::/64");
    }

    // --- configuration

    @ParameterizedTest
    @ValueSource(strings = {"Forwarded", "forwarded", " FORWARDED "})
    void reads_the_client_address_header_in_any_case(String value) {
        assertThat(read("client-address-header", value).clientAddressHeader()).isEqualTo(ClientAddressHeader.FORWARDED);
        assertThat(read("client-address-header", "x-forwarded-for").clientAddressHeader())
                .isEqualTo(ClientAddressHeader.X_FORWARDED_FOR);
    }

    @Test
    void rejects_another_client_address_header_naming_both_accepted() {
        assertThatThrownBy(() -> read("client-address-header", "X-Real-IP"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("Invalid value 'X-Real-IP' for parameter 'client-address-header': "
                        + "'X-Forwarded-For' or 'Forwarded' (any case)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"31", "129", "0", "-64", "64.5", "/64", "sixty-four"})
    void rejects_an_ipv6_prefix_outside_32_to_128(String value) {
        assertThatThrownBy(() -> read("ipv6-prefix", value))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("Invalid value '" + value + "' for parameter 'ipv6-prefix': a whole number from 32 to 128");
        assertThatThrownBy(() -> policy().ipv6Prefix(Integer.parseInt("200")))
                .hasMessageContaining("'ipv6-prefix'").hasMessageContaining("32 to 128");
    }

    @Test
    void defaults_and_describe_show_both_params() {
        Policy defaults = read("ipv6-prefix", null);
        assertThat(defaults.clientAddressHeader()).isEqualTo(ClientAddressHeader.X_FORWARDED_FOR);
        assertThat(defaults.ipv6Prefix()).isEqualTo(64);
        assertThat(defaults.describe()).contains("client-address-header=X-Forwarded-For", "ipv6-prefix=64");
        Map<String, String> params = new HashMap<>();
        params.put("limits", "5/1m");
        params.put("client-address-header", "forwarded");
        params.put("ipv6-prefix", "56");
        Policy policy = PolicyParams.read(new ConfigParams(params::get), "p");
        assertThat(policy.describe()).contains("client-address-header=Forwarded ipv6-prefix=56");
        assertThat(policy.withLimits(Limit.parseAll("limits", "1/1s")).describe()).contains("ipv6-prefix=56");
    }

    private static Policy read(String name, String value) {
        Map<String, String> params = new HashMap<>();
        params.put("limits", "5/1m");
        params.put(name, value);
        return PolicyParams.read(new ConfigParams(params::get), "p");
    }
}
