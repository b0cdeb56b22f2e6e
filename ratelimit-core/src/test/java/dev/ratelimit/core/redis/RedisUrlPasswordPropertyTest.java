package dev.ratelimit.core.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import dev.ratelimit.core.ConfigurationException;

/**
 * Whatever the password and however it is written into the URL (percent-encoded as it should be, or raw
 * with {@code / @ : % + # ?} and spaces), neither the settings nor any error about the URL shows it.
 */
class RedisUrlPasswordPropertyTest {

    /** How a password is written into a URL. */
    enum Form {
        ENCODED, RAW, RAW_WITHOUT_USER, RAW_WITH_A_BAD_DATABASE, RAW_FROM_THE_ENVIRONMENT
    }

    @Provide
    Arbitrary<String> passwords() {
        // Printable ASCII (with / @ : % + # ? and space) and a few non-ASCII letters; long enough not to
        // occur by chance in a message.
        return Arbitraries.strings().withCharRange(' ', '~').withChars("/@:%+#?é€").ofMinLength(8).ofMaxLength(40);
    }

    @Property(tries = 400)
    void neither_the_settings_nor_an_error_show_the_password(@ForAll("passwords") String password, @ForAll Form form) {
        String encoded = encode(password);
        String url;
        switch (form) {
            case ENCODED:
                url = "redis://app:" + encoded + "@cache.internal:6380/2";
                break;
            case RAW_WITHOUT_USER:
                url = "redis://:" + password + "@cache.internal";
                break;
            case RAW_WITH_A_BAD_DATABASE:
                url = "rediss://app:" + password + "@cache.internal:6379/db";
                break;
            default:
                url = "redis://app:" + password + "@cache.internal:6379/0";
        }
        try {
            RedisSettings settings = form == Form.RAW_FROM_THE_ENVIRONMENT
                    ? Topologies.settings(Topologies.params(), Map.of(RedisParams.REDIS_URL_ENV, url))
                    : RedisUrl.standalone("redis-url", url).build();
            assertThat(form).as("a URL with a database that is not a number is refused").isNotEqualTo(Form.RAW_WITH_A_BAD_DATABASE);
            assertThat(settings.toString()).doesNotContain(password).doesNotContain(encoded);
            if (form == Form.ENCODED) {
                assertThat(settings.password()).isEqualTo(password);
                assertThat(settings.toString()).isEqualTo("redis://app@cache.internal:6380/2");
            }
        } catch (ConfigurationException e) {
            assertThat(form).as("a percent-encoded password is accepted").isNotEqualTo(Form.ENCODED);
            RedisSettingsTest.assertNoSecret(e, password, encoded);
        }
    }

    /** RFC 3986 percent-encoding for userinfo: unreserved characters and {@code +} as they are. */
    static String encode(String text) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xFF);
            if (c < 0x80 && (Character.isLetterOrDigit(c) || "-._~+".indexOf(c) >= 0)) {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xFF));
            }
        }
        return out.toString();
    }
}
