package dev.ratelimit.testing;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A strict parser of RFC 8941 structured field values (Lists and Items; the parsing algorithms of its
 * section 4.2), so tests check header syntax instead of comparing strings. Bare items become
 * {@link Long} (Integer), {@link BigDecimal} (Decimal), {@link String} (String), {@link Token},
 * {@code byte[]} (Byte Sequence) or {@link Boolean}. Anything the RFC says to fail on throws
 * {@link IllegalArgumentException} naming the position.
 */
public final class StructuredFields {

    private final String input;
    private int pos;

    private StructuredFields(String input) {
        this.input = input;
    }

    /** A List field value: its members are {@link Item}s and {@link InnerList}s. */
    public static List<Object> parseList(String fieldValue) {
        StructuredFields p = new StructuredFields(fieldValue);
        p.skipSpaces();
        List<Object> members = p.list();
        p.skipSpaces();
        p.expectEnd();
        return members;
    }

    /** An Item field value. */
    public static Item parseItem(String fieldValue) {
        StructuredFields p = new StructuredFields(fieldValue);
        p.skipSpaces();
        Item item = p.item();
        p.skipSpaces();
        p.expectEnd();
        return item;
    }

    /** A List whose members must all be Items (no inner lists). */
    public static List<Item> parseItemList(String fieldValue) {
        List<Item> items = new ArrayList<>();
        for (Object member : parseList(fieldValue)) {
            if (!(member instanceof Item)) {
                throw new IllegalArgumentException("an inner list where an item was expected: " + fieldValue);
            }
            items.add((Item) member);
        }
        return items;
    }

    private List<Object> list() {
        List<Object> members = new ArrayList<>();
        while (!atEnd()) {
            members.add(peek() == '(' ? innerList() : item());
            skipOws();
            if (atEnd()) {
                return members;
            }
            if (next() != ',') {
                throw fail("expected ',' between list members");
            }
            skipOws();
            if (atEnd()) {
                throw fail("a trailing ','");
            }
        }
        return members;
    }

    private InnerList innerList() {
        expect('(');
        List<Item> items = new ArrayList<>();
        while (!atEnd()) {
            skipSpaces();
            if (!atEnd() && peek() == ')') {
                pos++;
                return new InnerList(items, parameters());
            }
            items.add(item());
            if (atEnd() || (peek() != ' ' && peek() != ')')) {
                throw fail("expected ' ' or ')' in an inner list");
            }
        }
        throw fail("an inner list without ')'");
    }

    private Item item() {
        Object bare = bareItem();
        return new Item(bare, parameters());
    }

    private Object bareItem() {
        if (atEnd()) {
            throw fail("expected an item");
        }
        char c = peek();
        if (c == '-' || isDigit(c)) {
            return number();
        }
        if (c == '"') {
            return string();
        }
        if (c == '*' || isAlpha(c)) {
            return token();
        }
        if (c == ':') {
            return byteSequence();
        }
        if (c == '?') {
            return bool();
        }
        throw fail("no item starts with '" + c + "'");
    }

    private Map<String, Object> parameters() {
        Map<String, Object> params = new LinkedHashMap<>();
        while (!atEnd() && peek() == ';') {
            pos++;
            skipSpaces();
            String key = key();
            Object value = Boolean.TRUE;
            if (!atEnd() && peek() == '=') {
                pos++;
                value = bareItem();
            }
            params.put(key, value); // a repeated key: the last value, at the first place
        }
        return params;
    }

    private String key() {
        if (atEnd() || !(isLcAlpha(peek()) || peek() == '*')) {
            throw fail("a key starts with a lowercase letter or '*'");
        }
        int start = pos;
        while (!atEnd() && (isLcAlpha(peek()) || isDigit(peek()) || "_-.*".indexOf(peek()) >= 0)) {
            pos++;
        }
        return input.substring(start, pos);
    }

    private Object number() {
        boolean decimal = false;
        int sign = 1;
        if (peek() == '-') {
            pos++;
            sign = -1;
        }
        if (atEnd() || !isDigit(peek())) {
            throw fail("expected a digit");
        }
        StringBuilder digits = new StringBuilder();
        while (!atEnd()) {
            char c = peek();
            if (isDigit(c)) {
                digits.append(c);
            } else if (!decimal && c == '.') {
                if (digits.length() > 12) {
                    throw fail("more than 12 integer digits in a decimal");
                }
                digits.append(c);
                decimal = true;
            } else {
                break;
            }
            pos++;
            if (!decimal && digits.length() > 15) {
                throw fail("an integer of more than 15 digits");
            }
            if (decimal && digits.length() > 16) {
                throw fail("a decimal of more than 16 characters");
            }
        }
        if (!decimal) {
            return sign * Long.parseLong(digits.toString());
        }
        int dot = digits.indexOf(".");
        int fraction = digits.length() - dot - 1;
        if (fraction == 0) {
            throw fail("a decimal ending in '.'");
        }
        if (fraction > 3) {
            throw fail("a decimal of more than 3 fractional digits");
        }
        BigDecimal value = new BigDecimal(digits.toString());
        return sign < 0 ? value.negate() : value;
    }

    private String string() {
        expect('"');
        StringBuilder out = new StringBuilder();
        while (!atEnd()) {
            char c = next();
            if (c == '\\') {
                if (atEnd()) {
                    throw fail("a string ending in '\\'");
                }
                char escaped = next();
                if (escaped != '"' && escaped != '\\') {
                    throw fail("only '\"' and '\\' may be escaped");
                }
                out.append(escaped);
            } else if (c == '"') {
                return out.toString();
            } else if (c < 0x20 || c > 0x7E) {
                throw fail("a string holds printable ASCII only");
            } else {
                out.append(c);
            }
        }
        throw fail("a string without its closing '\"'");
    }

    private Token token() {
        int start = pos;
        pos++;
        while (!atEnd() && (isTchar(peek()) || peek() == ':' || peek() == '/')) {
            pos++;
        }
        return new Token(input.substring(start, pos));
    }

    private byte[] byteSequence() {
        expect(':');
        int end = input.indexOf(':', pos);
        if (end < 0) {
            throw fail("a byte sequence without its closing ':'");
        }
        String base64 = input.substring(pos, end);
        for (int i = 0; i < base64.length(); i++) {
            char c = base64.charAt(i);
            if (!(isAlpha(c) || isDigit(c) || c == '+' || c == '/' || c == '=')) {
                throw fail("not base64: '" + c + "'");
            }
        }
        pos = end + 1;
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw fail("not base64: " + e.getMessage());
        }
    }

    private Boolean bool() {
        expect('?');
        if (atEnd()) {
            throw fail("a boolean without its value");
        }
        char c = next();
        if (c == '1') {
            return Boolean.TRUE;
        }
        if (c == '0') {
            return Boolean.FALSE;
        }
        throw fail("a boolean is ?0 or ?1");
    }

    private void skipSpaces() {
        while (!atEnd() && peek() == ' ') {
            pos++;
        }
    }

    private void skipOws() {
        while (!atEnd() && (peek() == ' ' || peek() == '\t')) {
            pos++;
        }
    }

    private void expect(char c) {
        if (atEnd() || peek() != c) {
            throw fail("expected '" + c + "'");
        }
        pos++;
    }

    private void expectEnd() {
        if (!atEnd()) {
            throw fail("unexpected characters after the value");
        }
    }

    private boolean atEnd() {
        return pos >= input.length();
    }

    private char peek() {
        return input.charAt(pos);
    }

    private char next() {
        return input.charAt(pos++);
    }

    private IllegalArgumentException fail(String why) {
        return new IllegalArgumentException("Not an RFC 8941 structured field at " + pos + " (" + why + "): " + input);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isLcAlpha(char c) {
        return c >= 'a' && c <= 'z';
    }

    private static boolean isAlpha(char c) {
        return isLcAlpha(c) || (c >= 'A' && c <= 'Z');
    }

    /** RFC 9110 tchar. */
    static boolean isTchar(char c) {
        return isAlpha(c) || isDigit(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    /** An Item: a bare item with its parameters in order. */
    public static final class Item {
        private final Object value;
        private final Map<String, Object> params;

        public Item(Object value, Map<String, Object> params) {
            this.value = value;
            this.params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        }

        public Object value() {
            return value;
        }

        public Map<String, Object> params() {
            return params;
        }

        /** The parameter, or null when absent. */
        public Object param(String key) {
            return params.get(key);
        }

        @Override
        public String toString() {
            return value + ";" + params;
        }
    }

    /** An Inner List: items in parentheses, with parameters of its own. */
    public static final class InnerList {
        private final List<Item> items;
        private final Map<String, Object> params;

        public InnerList(List<Item> items, Map<String, Object> params) {
            this.items = Collections.unmodifiableList(new ArrayList<>(items));
            this.params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        }

        public List<Item> items() {
            return items;
        }

        public Map<String, Object> params() {
            return params;
        }
    }

    /** A Token, kept apart from a String: {@code foo} and {@code "foo"} are different items. */
    public static final class Token {
        private final String value;

        public Token(String value) {
            this.value = value;
        }

        public String value() {
            return value;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Token && ((Token) o).value.equals(value);
        }

        @Override
        public int hashCode() {
            return Objects.hashCode(value);
        }

        @Override
        public String toString() {
            return value;
        }
    }
}
