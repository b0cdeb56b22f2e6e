package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The hand-written IPv6 parser against the text forms of RFC 4291 and the canonical form of RFC 5952. */
class Ipv6LiteralsTest {

    @ParameterizedTest
    @CsvSource({
            "2001:0db8:0000:0000:0008:0800:200c:417a, 2001:db8::8:800:200c:417a",
            "2001:DB8:0:0:8:800:200C:417A, 2001:db8::8:800:200c:417a",
            "2001:db8::8:800:200c:417a, 2001:db8::8:800:200c:417a",
            "ff01::101, ff01::101",
            "::1, ::1",
            "0:0:0:0:0:0:0:1, ::1",
            "::, ::",
            "1::, 1::",
            "1:0:0:2:0:0:0:3, 1:0:0:2::3",
            "1:0:0:0:2:0:0:3, 1::2:0:0:3",
            "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
            "1:2:3:4:5:6:7::, 1:2:3:4:5:6:7:0",
            "::2:3:4:5:6:7:8, 0:2:3:4:5:6:7:8",
            "0:0:0:0:0:0:13.1.68.3, ::d01:4403",
            "::13.1.68.3, ::d01:4403",
            "64:ff9b::192.0.2.33, 64:ff9b::c000:221",
            "::ffff:129.144.52.38, 129.144.52.38",
            "0:0:0:0:0:FFFF:129.144.52.38, 129.144.52.38",
            "::ffff:0:0, 0.0.0.0",
            "[2001:db8::1], 2001:db8::1"})
    void reads_every_text_form_and_writes_the_canonical_one(String text, String canonical) {
        assertThat(IpAddresses.canonical(text)).isEqualTo(canonical);
    }

    @ParameterizedTest
    @ValueSource(strings = {":", ":::", "1:::2", "::1::", "1::2::3", ":1::", "1::2:", "1:2:3:4:5:6:7:8:9",
            "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8", "12345::", "g::1", "fe80::1%eth0", "fe80::1%25eth0",
            "::1.2.3", "::1.2.3.4.5", "::256.1.1.1", "1:2:3:4:5:6:7:1.2.3.4", "1.2.3.4::", "::1.2.3.4:5", ".1:2",
            "::0x1", " ", "[::1", "::1]", "[[::1]]", "::-1", "::+1", "::١"})
    void refuses_what_is_not_an_ipv6_literal(String text) {
        assertThat(IpAddresses.parse(text)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.2.3.4x", "1.2.3.", ".1.2.3", "1.2.3.4.", "١.2.3.4", "1.2.3.-4", "+1.2.3.4", "1.2.3.0004"})
    void refuses_what_is_not_an_ipv4_literal(String text) {
        assertThat(IpAddresses.parse(text)).isNull();
    }
}
