package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * No request value may reach DNS: the classes that read client addresses must not even name the JDK's
 * lookups. Their compiled constant pools hold every method they call, so a reference shows there.
 */
class NoNameLookupTest {

    @ParameterizedTest
    @ValueSource(classes = {IpAddresses.class, TrustedProxies.class, KeyLayout.class, ClientAddresses.class,
            ClientAddress.class, ClientAddressHeader.class, ForwardedHeader.class})
    void the_address_readers_never_call_a_name_lookup(Class<?> reader) throws IOException {
        String constants = constantPoolText(reader);
        assertThat(constants).doesNotContain("getByName").doesNotContain("getAllByName")
                .doesNotContain("java/net/InetAddress");
    }

    /** The class file read as Latin-1: method and class names of the constant pool appear verbatim. */
    static String constantPoolText(Class<?> type) throws IOException {
        String resource = type.getName().replace('.', '/') + ".class";
        try (InputStream in = type.getClassLoader().getResourceAsStream(resource)) {
            assertThat(in).as(resource).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
