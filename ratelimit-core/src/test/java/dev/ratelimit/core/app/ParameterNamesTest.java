package dev.ratelimit.core.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Collections;

import org.junit.jupiter.api.Test;

import dev.ratelimit.core.ConfigurationException;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

class ParameterNamesTest {

    @Test
    void a_misspelled_parameter_names_the_closest_known_one() {
        assertThatThrownBy(() -> ParameterNames.checkAll(Arrays.asList("limits", "limts"), "filter 'api'"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("Unknown parameter 'limts' for filter 'api': did you mean 'limits'?");
        assertThatThrownBy(() -> ParameterNames.checkAll(Collections.singletonList("failure-mod"), "filter 'api'"))
                .hasMessage("Unknown parameter 'failure-mod' for filter 'api': did you mean 'failure-mode'?");
        assertThatThrownBy(() -> ParameterNames.checkAll(Collections.singletonList("trusted-proxy"), "filter 'api'"))
                .hasMessage("Unknown parameter 'trusted-proxy' for filter 'api': did you mean 'trusted-proxies'?");
    }

    @Test
    void a_name_close_to_nothing_lists_what_is_known() {
        assertThatThrownBy(() -> ParameterNames.checkAll(Collections.singletonList("colour"), "filter 'api'"))
                .hasMessageStartingWith("Unknown parameter 'colour' for filter 'api': known parameters are [limits, ");
    }

    @Test
    void every_known_parameter_passes() {
        assertThatCode(() -> ParameterNames.checkAll(ParameterNames.ALL, "filter 'api'")).doesNotThrowAnyException();
    }

    @Test
    void context_params_are_checked_in_our_namespace_only() {
        assertThatCode(() -> ParameterNames.checkContextParams(Arrays.asList("ratelimit.redis-url",
                "ratelimit.policy.search.limits", "ratelimit.policy.a.b.webhook-scheme", "myapp.colour", "ratelimits")))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> ParameterNames.checkContextParams(Collections.singletonList("ratelimit.redis-ulr")))
                .hasMessage("Unknown parameter 'ratelimit.redis-ulr' for context-param: did you mean 'redis-url'?");
        assertThatThrownBy(() -> ParameterNames.checkContextParams(Collections.singletonList("ratelimit.policy.search.limts")))
                .hasMessage("Unknown parameter 'ratelimit.policy.search.limts' for policy 'search': did you mean 'limits'?");
        assertThatThrownBy(() -> ParameterNames.checkContextParams(Collections.singletonList("ratelimit.policy.limits")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("expected ratelimit.policy.<name>.<param>");
    }

    @Test
    void a_hostile_name_cannot_forge_the_message() {
        assertThatThrownBy(() -> ParameterNames.checkAll(Collections.singletonList("x\nWARN forged"), "filter 'api'"))
                .hasMessageStartingWith("Unknown parameter 'x%0AWARN%20forged' for filter 'api'");
    }

    @Property
    void checking_throws_nothing_but_the_configuration_exception(@ForAll String name) {
        try {
            ParameterNames.checkAll(Collections.singletonList(name), "filter 'p'");
            ParameterNames.checkContextParams(Collections.singletonList("ratelimit." + name));
            assertThat(ParameterNames.ALL).contains(name);
        } catch (ConfigurationException expected) {
            assertThat(expected.getMessage()).startsWith("Unknown parameter '").doesNotContain("\n");
        }
    }
}
