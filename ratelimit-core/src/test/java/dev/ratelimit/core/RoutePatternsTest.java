package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

import dev.ratelimit.core.testing.FakeRequest;

class RoutePatternsTest {

    private final RoutePatterns patterns = RoutePatterns.parse("route-patterns", "/orders/{id}, /orders/{id}/items/{item}, /files/*");

    @ParameterizedTest
    @CsvSource({
            "/orders/1, /orders/{id}",
            "/orders/8f3a-random, /orders/{id}",
            "/orders/1/items/2, /orders/{id}/items/{item}",
            "/files, /files/*",
            "/files/a/b/c.txt, /files/*",
            "/orders, /orders",
            "/orders/, /orders/",
            "/orders/7/, /orders/{id}",
            "/orders//, /orders//",
            "/files/, /files/*",
            "/orders/1/other, /orders/1/other",
            "/api/x, /api/x",
    })
    void a_matching_path_is_counted_under_its_pattern(String path, String route) {
        assertThat(patterns.routeOf(path)).isEqualTo(route);
    }

    @ParameterizedTest
    @ValueSource(strings = {"orders/{id}", "/orders/{}", "/orders/{id", "/orders/*/x", "/a/b*", "/x,", "/{a b}"})
    void a_bad_pattern_fails_naming_the_parameter(String text) {
        assertThatThrownBy(() -> RoutePatterns.parse("route-patterns", text))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("for parameter 'route-patterns'")
                .hasMessageContaining("{name} standing for any one segment");
    }

    @Test
    void the_key_counts_every_id_under_the_pattern() {
        Policy policy = PolicyParams.read(new ConfigParams(name -> {
            switch (name) {
                case "limits": return "5/1m";
                case "key": return "ip,route";
                case "route-patterns": return "/orders/{id}";
                default: return null;
            }
        }), "orders");
        assertThat(policy.keyLayout().keysFor(request("/orders/123")))
                .isEqualTo(policy.keyLayout().keysFor(request("/orders/some-other")))
                .containsExactly("ratelimit:api:orders:*:/orders/%7Bid%7D:*:{ip=203.0.113.7}:fw:60000");
    }

    private static FakeRequest request(String route) {
        return new FakeRequest().route(route);
    }

    @Property
    void parsing_throws_nothing_but_the_configuration_exception(@ForAll String text, @ForAll String path) {
        try {
            RoutePatterns parsed = RoutePatterns.parse("route-patterns", text);
            parsed.routeOf(path);
        } catch (ConfigurationException expected) {
            assertThat(expected.parameter()).isEqualTo("route-patterns");
        }
    }
}
