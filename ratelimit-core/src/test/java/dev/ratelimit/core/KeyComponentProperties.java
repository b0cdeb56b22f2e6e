package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** What every request value becomes inside a Redis key. */
class KeyComponentProperties {

    @Property(tries = 5_000)
    void never_yields_a_character_that_could_shape_a_key(@ForAll("values") String value) {
        assertThat(KeyComponent.escape(value))
                .doesNotContain("{", "}", ":", " ", "*", "?", "[", "]", "\r", "\n", "\u0000", "+", "=")
                .hasSizeLessThanOrEqualTo(KeyComponent.MAX_LENGTH + 1)
                .matches("[A-Za-z0-9._/@~%#-]*");
    }

    @Property(tries = 5_000)
    void is_injective(@ForAll("values") String a, @ForAll("values") String b) {
        Assume.that(!a.equals(b));
        assertThat(KeyComponent.escape(a)).isNotEqualTo(KeyComponent.escape(b));
    }

    @Property(tries = 2_000)
    void values_differing_by_one_character_stay_apart(@ForAll("values") String value, @ForAll char extra) {
        assertThat(KeyComponent.escape(value + extra)).isNotEqualTo(KeyComponent.escape(value));
    }

    /** Short and long, ASCII and not, and the characters that mean something in keys, globs and escapes. */
    @Provide
    Arbitrary<String> values() {
        Arbitrary<String> tricky = Arbitraries.of("%", "%25", "#", "{", "}", ":", "*", "+", "=", "%7B", "/", " ", "\u00e9",
                "\uD83D\uDE00", "a", "0").list().ofMaxSize(40).map(list -> String.join("", list));
        return Arbitraries.oneOf(tricky, Arbitraries.strings().ofMaxLength(100));
    }
}
