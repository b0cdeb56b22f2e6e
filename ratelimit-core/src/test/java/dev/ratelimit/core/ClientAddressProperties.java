package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

import dev.ratelimit.core.testing.FakeRequest;

/**
 * Properties of reading client addresses: whatever text arrives, parsing answers an address or null and
 * the walk answers an address or a token that is safe in a key; canonical forms read back to their bytes;
 * nothing a client writes before a trusted proxy's entry changes who the client is.
 */
class ClientAddressProperties {

    private static final String KEY = "ratelimit:api:p:\\*:\\*:\\*:\\{ip=[A-Za-z0-9._/@~%#-]+\\}:fw:1000";

    private static final Policy XFF = Policy.builder("p").limits(Limit.parseAll("limits", "1/1s"))
            .trustedProxies(TrustedProxies.parse("trusted-proxies", "10.0.0.0/8, fd00::/8")).build();
    private static final Policy FORWARDED = Policy.builder("p").limits(Limit.parseAll("limits", "1/1s"))
            .trustedProxies(TrustedProxies.parse("trusted-proxies", "10.0.0.0/8, fd00::/8"))
            .clientAddressHeader(ClientAddressHeader.FORWARDED).build();

    /** Text near IP literals and header syntax: where a hand-written parser would slip. */
    @Provide
    Arbitrary<String> nearAddresses() {
        Arbitrary<String> alphabet = Arbitraries.strings().withChars("0123456789abcdefABCDEF:.[]%_\";,= \\x-")
                .ofMaxLength(48);
        Arbitrary<String> mutated = Combinators.combine(addressTexts(), Arbitraries.strings().ofMaxLength(3),
                        Arbitraries.integers().between(0, 48))
                .as((text, insert, at) -> text.substring(0, Math.min(at, text.length())) + insert
                        + text.substring(Math.min(at, text.length())));
        return Arbitraries.oneOf(alphabet, mutated, addressTexts(), Arbitraries.strings(), headerSyntax());
    }

    /** Pieces of Forwarded / X-Forwarded-For syntax strung together: quotes, escapes, separators, addresses. */
    private Arbitrary<String> headerSyntax() {
        Arbitrary<String> piece = Arbitraries.oneOf(
                Arbitraries.of("for=", "For=", "by=", "\"", "\\", ",", ";", "=", " ", "[", "]", ":", ":443", "_x", "unknown"),
                addressTexts());
        return piece.list().ofMaxSize(8).map(pieces -> String.join("", pieces));
    }

    @Provide
    Arbitrary<String> addressTexts() {
        return Arbitraries.oneOf(v4Bytes(), v6Bytes()).map(ClientAddressProperties::jdkText);
    }

    @Provide
    Arbitrary<byte[]> v4Bytes() {
        return Arbitraries.bytes().array(byte[].class).ofSize(4);
    }

    /** Sixteen bytes, often with runs of zero groups, so {@code ::} in every position is tried. */
    @Provide
    Arbitrary<byte[]> v6Bytes() {
        Arbitrary<Integer> group = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.just(0)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(1, 0xFFFF)));
        return group.list().ofSize(8).map(groups -> {
            byte[] out = new byte[16];
            for (int i = 0; i < 8; i++) {
                out[2 * i] = (byte) (groups.get(i) >> 8);
                out[2 * i + 1] = (byte) (int) groups.get(i);
            }
            return out;
        });
    }

    @Property
    void parsing_any_text_answers_an_address_or_null(@ForAll("nearAddresses") String text) {
        byte[] address = IpAddresses.parse(text);
        if (address != null) {
            assertThat(address.length).isIn(4, 16);
            assertThat(IpAddresses.canonical(text)).isEqualTo(IpAddresses.canonical(address));
        }
    }

    @Property
    void a_node_that_parses_is_an_address_of_4_or_16_bytes(@ForAll("nearAddresses") String node) {
        byte[] address = ClientAddresses.nodeAddress(node);
        assertThat(address == null || address.length == 4 || address.length == 16).isTrue();
    }

    @Property
    void the_canonical_ipv4_text_reads_back_to_its_bytes(@ForAll("v4Bytes") byte[] address) {
        String text = IpAddresses.canonical(address);
        assertThat(IpAddresses.parse(text)).containsExactly(address);
        assertThat(IpAddresses.isCanonicalIpv4(text)).isTrue();
    }

    @Property
    void the_canonical_ipv6_text_reads_back_to_its_bytes_and_agrees_with_the_jdk(@ForAll("v6Bytes") byte[] address) {
        String text = IpAddresses.canonical(address);
        byte[] expected = isV4Mapped(address) ? Arrays.copyOfRange(address, 12, 16) : address;
        assertThat(IpAddresses.parse(text)).containsExactly(expected);
        assertThat(IpAddresses.parse(jdkText(address))).as("the JDK's full form").containsExactly(expected);
        assertThat(IpAddresses.parse("[" + text.toUpperCase() + "]")).containsExactly(expected);
        assertThat(text).doesNotContain(":::").doesNotMatch(".*::.*::.*");
    }

    @Property(tries = 500)
    void the_walk_over_any_header_lines_answers_an_address_or_a_token_safe_in_a_key(
            @ForAll @Size(max = 4) List<@net.jqwik.api.From("nearAddresses") String> lines,
            @ForAll boolean forwarded) {
        FakeRequest request = FakeRequest.from("10.0.0.1").header(forwarded ? "Forwarded" : "X-Forwarded-For",
                lines.toArray(new String[0]));
        Policy policy = forwarded ? FORWARDED : XFF;
        String address = policy.clientAddress(request);
        String joined = String.join(", ", lines);
        boolean isAddress = address.equals(IpAddresses.canonical(address));
        assertThat(isAddress || joined.contains(address) || address.equals("unknown"))
                .as("'%s' is an address or a token from the header", address).isTrue();
        assertThat(policy.keyLayout().keysFor(request).get(0)).matches(KEY);
    }

    @Property(tries = 500)
    void nothing_a_client_writes_before_the_proxys_entry_changes_the_client(
            @ForAll("nearAddresses") String forged, @ForAll("clients") String client, @ForAll boolean sameLine) {
        FakeRequest xff = sameLine
                ? FakeRequest.from("10.0.0.1").header("X-Forwarded-For", forged + ", " + client)
                : FakeRequest.from("10.0.0.1").header("X-Forwarded-For", forged, client);
        String forwardedEntry = "for=\"" + (client.indexOf(':') >= 0 ? "[" + client + "]:443" : client + ":8080") + "\"";
        FakeRequest forwarded = sameLine
                ? FakeRequest.from("10.0.0.1").header("Forwarded", forged + ", " + forwardedEntry)
                : FakeRequest.from("10.0.0.1").header("Forwarded", forged, forwardedEntry);
        String expected = IpAddresses.canonical(client);
        assertThat(XFF.clientAddress(xff)).isEqualTo(expected);
        assertThat(FORWARDED.clientAddress(forwarded)).isEqualTo(expected);
        FakeRequest tokenForm = FakeRequest.from("10.0.0.1").header("Forwarded", forged + ", for=" + "198.51.100.4");
        assertThat(FORWARDED.clientAddress(tokenForm)).isEqualTo("198.51.100.4");
    }

    /** Clients outside the trusted blocks, as a proxy would write them. */
    @Provide
    Arbitrary<String> clients() {
        Arbitrary<String> v4 = Arbitraries.integers().between(0, 255).list().ofSize(2)
                .map(p -> "198.51." + p.get(0) + "." + p.get(1));
        Arbitrary<String> v6 = v6Bytes().map(b -> {
            b[0] = 0x20;
            b[1] = 0x01;
            return IpAddresses.canonical(b);
        });
        return Arbitraries.oneOf(v4, v6);
    }

    private static boolean isV4Mapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return (a[10] & 0xFF) == 0xFF && (a[11] & 0xFF) == 0xFF;
    }

    /** The JDK's text of an address (a literal: no lookup happens for getByAddress or getHostAddress). */
    private static String jdkText(byte[] address) {
        try {
            return InetAddress.getByAddress(address).getHostAddress();
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
