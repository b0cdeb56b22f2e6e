package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IpAddressesTest {

    @ParameterizedTest
    @ValueSource(strings = {"1.2.3.4", "255.255.255.255", "0.0.0.0", "10.0.0.1", "01.2.3.4", "1.2.3.004", "256.1.1.1",
            "1.2.3", "1.2.3.4.5", "1..2.3", "a.b.c.d", "::1", "0:0:0:0:0:0:0:1", "[::1]", "::ffff:1.2.3.4",
            "example.com", "", " 1.2.3.4"})
    void the_fast_path_gives_what_parsing_gives(String text) {
        byte[] parsed = IpAddresses.parse(text);
        String expected = parsed == null ? null : IpAddresses.canonical(parsed);
        assertThat(IpAddresses.canonical(text)).isEqualTo(expected);
    }
}
