package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Collections;
import java.util.Enumeration;
import java.util.Map;

import javax.servlet.ServletConfig;
import javax.servlet.ServletContext;
import javax.servlet.ServletException;

import org.junit.jupiter.api.Test;

/** The servlet's init-params: unknown or bad ones fail init, naming the parameter and what is accepted. */
class StatusServletInitTest {

    private static ServletConfig config(Map<String, String> params) {
        return new ServletConfig() {
            @Override
            public String getServletName() {
                return "status";
            }

            @Override
            public ServletContext getServletContext() {
                return null;
            }

            @Override
            public String getInitParameter(String name) {
                return params.get(name);
            }

            @Override
            public Enumeration<String> getInitParameterNames() {
                return Collections.enumeration(params.keySet());
            }
        };
    }

    @Test
    void an_unknown_init_param_fails_naming_the_accepted_ones() {
        assertThatThrownBy(() -> new RateLimitStatusServlet().init(config(Map.of("rol", "x"))))
                .isInstanceOf(ServletException.class)
                .hasMessage("Rate-limit status servlet 'status': unknown init-param 'rol'; accepted: role, loopback");
    }

    @Test
    void loopback_is_true_or_false_exactly() {
        assertThatThrownBy(() -> new RateLimitStatusServlet().init(config(Map.of("loopback", "yes", "role", "r"))))
                .hasMessage("Rate-limit status servlet 'status': init-param 'loopback' is 'yes'; accepted: true, false");
    }

    @Test
    void without_loopback_a_role_is_required_and_a_role_is_not_blank() {
        assertThatThrownBy(() -> new RateLimitStatusServlet().init(config(Map.of("loopback", "false"))))
                .hasMessageContaining("with 'loopback' false nobody could see the page; also give 'role'");
        assertThatThrownBy(() -> new RateLimitStatusServlet().init(config(Map.of("role", " "))))
                .hasMessageContaining("init-param 'role' is empty");
    }

    @Test
    void refresh_is_a_whole_number_of_seconds_in_range() {
        assertThat(RateLimitStatusServlet.refreshSeconds("10")).isEqualTo(10);
        assertThat(RateLimitStatusServlet.refreshSeconds("4")).isEqualTo(-1);
        assertThat(RateLimitStatusServlet.refreshSeconds("3601")).isEqualTo(-1);
        assertThat(RateLimitStatusServlet.refreshSeconds("1e3")).isEqualTo(-1);
        assertThat(RateLimitStatusServlet.refreshSeconds("")).isEqualTo(-1);
        assertThat(RateLimitStatusServlet.refreshSeconds("99999999999")).isEqualTo(-1);
    }

    @Test
    void html_escaping_covers_markup_and_both_quotes() {
        assertThat(Html.escape("<a href=\"x\" title='y'>&</a>"))
                .isEqualTo("&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
        assertThat(Html.escape(null)).isEmpty();
        assertThat(Html.escape("plain")).isEqualTo("plain");
    }

    @Test
    void an_action_token_is_the_users_own_and_checked_whole() {
        ActionTokens tokens = new ActionTokens();
        String ops = tokens.tokenFor("ops");
        assertThat(tokens.isValid("ops", ops)).isTrue();
        assertThat(tokens.isValid("other", ops)).isFalse();
        assertThat(tokens.isValid("ops", ops.substring(1))).isFalse();
        assertThat(tokens.isValid("ops", null)).isFalse();
        assertThat(new ActionTokens().isValid("ops", ops)).as("another instance's secret").isFalse();
    }
}
