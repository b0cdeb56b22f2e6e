package dev.ratelimit.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import dev.ratelimit.testing.StructuredFields.InnerList;
import dev.ratelimit.testing.StructuredFields.Item;
import dev.ratelimit.testing.StructuredFields.Token;

/**
 * The test-support RFC 8941 parser the header tests rely on: every List this test's serializer
 * (RFC 8941 section 4.1) writes parses back to the same value, and malformed values fail.
 */
class StructuredFieldsProperties {

    @Property(tries = 500)
    void every_serialized_list_parses_back_to_the_same_value(@ForAll("lists") List<Object> list) {
        String field = serializeList(list);
        List<Object> parsed = StructuredFields.parseList(field);
        assertThat(serializeList(parsed)).isEqualTo(field);
        assertThat(parsed).hasSameSizeAs(list);
        for (int i = 0; i < list.size(); i++) {
            assertThat(parsed.get(i).getClass()).isEqualTo(list.get(i).getClass());
        }
    }

    @Property(tries = 300)
    void optional_whitespace_around_commas_and_leading_spaces_are_accepted(@ForAll("lists") List<Object> list) {
        List<String> members = new ArrayList<>();
        for (Object member : list) {
            members.add(serializeList(List.of(member)));
        }
        String spaced = "  " + String.join(" ,\t ", members) + " ";
        assertThat(serializeList(StructuredFields.parseList(spaced))).isEqualTo(serializeList(list));
    }

    @Property(tries = 1000)
    void any_text_either_parses_or_fails_with_an_illegal_argument(@ForAll("fieldLike") String text) {
        try {
            StructuredFields.parseList(text);
        } catch (IllegalArgumentException expected) {
            assertThat(expected).hasMessageContaining("RFC 8941");
        }
    }

    @Property(tries = 300)
    void a_string_with_a_character_outside_printable_ascii_fails(@ForAll("printable") String before,
                                                                 @ForAll("unprintable") char bad) {
        assertThatThrownBy(() -> StructuredFields.parseItem("\"" + before.replace("\\", "").replace("\"", "") + bad + "\""))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Example
    void the_drafts_examples_parse() {
        List<Item> items = StructuredFields.parseItemList("\"burst\";q=100;w=60,\"daily\";q=1000;w=86400");
        assertThat(items).hasSize(2);
        assertThat(items.get(0).value()).isEqualTo("burst");
        assertThat(items.get(0).param("q")).isEqualTo(100L);
        assertThat(items.get(1).param("w")).isEqualTo(86400L);
        Item peruser = StructuredFields.parseItem("\"peruser\";q=65535;qu=\"content-bytes\";w=10;pk=:sdfjLJUOUH==:");
        assertThat(peruser.param("qu")).isEqualTo("content-bytes");
        assertThat(peruser.param("pk")).isInstanceOf(byte[].class);
        assertThat(StructuredFields.parseItem("foo/bar:baz;a").value()).isEqualTo(new Token("foo/bar:baz"));
        assertThat(StructuredFields.parseItem("foo;a").param("a")).isEqualTo(Boolean.TRUE);
        assertThat(StructuredFields.parseItem("-1.5").value()).isEqualTo(new BigDecimal("-1.5"));
        InnerList inner = (InnerList) StructuredFields.parseList("(\"a\" b);x=?0, c").get(0);
        assertThat(inner.items()).hasSize(2);
        assertThat(inner.params()).containsEntry("x", Boolean.FALSE);
    }

    @Example
    void malformed_values_fail() {
        String[] bad = {"\"open", "\"a\\n\"", "a,", "a,,b", ",a", "1.", "1.2345", "1234567890123456",
                "1234567890123.1", "a;A=1", "a;=1", "(a b", "(a,b)", "?2", ":abc", ":a*b:", "a b", "\"a\" \"b\"",
                "a;q=", "\u00e9", "a;q=1;", "- 1"};
        for (String value : bad) {
            assertThatThrownBy(() -> StructuredFields.parseList(value)).as("'%s'", value)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Provide
    Arbitrary<List<Object>> lists() {
        Arbitrary<Object> member = Arbitraries.oneOf(items().map(i -> (Object) i), innerLists().map(l -> (Object) l));
        return member.list().ofMinSize(1).ofMaxSize(5);
    }

    @Provide
    Arbitrary<String> fieldLike() {
        return Arbitraries.strings().withChars("\"\\;=,():?*-.01a zA\t\u00e9/").ofMaxLength(24);
    }

    @Provide
    Arbitrary<String> printable() {
        return Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(10);
    }

    @Provide
    Arbitrary<Character> unprintable() {
        return Arbitraries.oneOf(Arbitraries.chars().range('\u0000', '\u001f'), Arbitraries.chars().range('\u007f', '\u00ff'),
                Arbitraries.of('\u20ac', '\u4e2d'));
    }

    private Arbitrary<InnerList> innerLists() {
        return Combinators.combine(items().list().ofMaxSize(3), parameters()).as(InnerList::new);
    }

    private Arbitrary<Item> items() {
        return Combinators.combine(bareItems(), parameters()).as(Item::new);
    }

    private Arbitrary<Map<String, Object>> parameters() {
        return Arbitraries.maps(keys(), bareItems()).ofMaxSize(3).map(LinkedHashMap::new);
    }

    private Arbitrary<String> keys() {
        Arbitrary<Character> first = Arbitraries.oneOf(Arbitraries.chars().range('a', 'z'), Arbitraries.just('*'));
        Arbitrary<String> rest = Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9').withChars("_-.*")
                .ofMaxLength(6);
        return Combinators.combine(first, rest).as((f, r) -> f + r);
    }

    private Arbitrary<Object> bareItems() {
        Arbitrary<Object> integers = Arbitraries.longs().between(-999_999_999_999_999L, 999_999_999_999_999L).map(l -> l);
        Arbitrary<Object> decimals = Combinators.combine(Arbitraries.longs().between(-999_999_999_999L, 999_999_999_999L),
                Arbitraries.integers().between(0, 999)).as((i, f) -> (Object) new BigDecimal(i + "." + f));
        Arbitrary<Object> strings = Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(12).map(s -> s);
        Arbitrary<Object> tokens = Combinators.combine(
                Arbitraries.oneOf(Arbitraries.chars().range('a', 'z'), Arbitraries.chars().range('A', 'Z'), Arbitraries.just('*')),
                Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9').withChars("!#$%&'*+-.^_`|~:/").ofMaxLength(8))
                .as((f, r) -> (Object) new Token(f + r));
        Arbitrary<Object> bytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(10).map(b -> b);
        Arbitrary<Object> booleans = Arbitraries.of(true, false).map(b -> b);
        return Arbitraries.oneOf(integers, decimals, strings, tokens, bytes, booleans);
    }

    static String serializeList(List<Object> members) {
        List<String> out = new ArrayList<>();
        for (Object member : members) {
            if (member instanceof InnerList) {
                InnerList list = (InnerList) member;
                List<String> items = new ArrayList<>();
                for (Item item : list.items()) {
                    items.add(serializeItem(item));
                }
                out.add("(" + String.join(" ", items) + ")" + serializeParams(list.params()));
            } else {
                out.add(serializeItem((Item) member));
            }
        }
        return String.join(", ", out);
    }

    static String serializeItem(Item item) {
        return serializeBare(item.value()) + serializeParams(item.params());
    }

    private static String serializeParams(Map<String, Object> params) {
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, Object> p : params.entrySet()) {
            out.append(';').append(p.getKey());
            if (!Boolean.TRUE.equals(p.getValue())) {
                out.append('=').append(serializeBare(p.getValue()));
            }
        }
        return out.toString();
    }

    private static String serializeBare(Object value) {
        if (value instanceof Long) {
            return value.toString();
        }
        if (value instanceof BigDecimal) {
            BigDecimal d = ((BigDecimal) value).setScale(Math.max(1, ((BigDecimal) value).stripTrailingZeros().scale()),
                    java.math.RoundingMode.UNNECESSARY);
            return d.toPlainString();
        }
        if (value instanceof String) {
            return "\"" + ((String) value).replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        }
        if (value instanceof Token) {
            return ((Token) value).value();
        }
        if (value instanceof byte[]) {
            return ":" + Base64.getEncoder().encodeToString((byte[]) value) + ":";
        }
        return Boolean.TRUE.equals(value) ? "?1" : "?0";
    }
}
