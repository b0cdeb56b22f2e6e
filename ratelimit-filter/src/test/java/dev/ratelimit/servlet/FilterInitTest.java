package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Map;

import javax.servlet.FilterConfig;
import javax.servlet.FilterRegistration;
import javax.servlet.ServletContext;
import javax.servlet.ServletException;

import org.junit.jupiter.params.ParameterizedTest;

import dev.ratelimit.core.PolicyParams;
import dev.ratelimit.core.redis.RedisParams;
import dev.ratelimit.core.redis.RedisSettings;
import org.junit.jupiter.params.provider.CsvSource;

/** Every bad init-param fails init with a message naming the param, the value and what is accepted (no container). */
class FilterInitTest {

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "limits|lots|one or more comma-separated N/duration",
            "limits|0/1m|one or more comma-separated N/duration",
            "algorithm|leaky-bucket|'fixed-window', 'token-bucket', 'sliding-window' or 'concurrency'",
            "key|ip,cookie|ip, user, header:NAME, tenant, route, method",
            "scope|my scope|a word of letters",
            "failure-mode|sometimes|'open', 'closed' or 'local'",
            "dry-run|yes|'true' or 'false'",
            "cost|0|a whole number from 1 to",
            "cost|11|a whole number from 1 to the smallest limit's permits (10)",
            "prefetch|0|a whole number from 1 to 10000",
            "prefetch|lots|a whole number from 1 to 10000",
            "prefetch|11|at most the smallest limit's permits divided by cost (here 10",
            "key-prefix|a{b}|no braces",
            "trusted-proxies|10.0.0.0/99|IP addresses or CIDR blocks",
            "tenant-header|X Tenant|an HTTP header name",
            "redis-url|http://localhost:6379|redis://[user:password@]host[:port][/database]",
            "timeout|fast|a whole number followed by ms, s, m, h or d",
            "timeout|0ms|from 1ms to 1m",
            "pool-max-total|0|a whole number from 1 to 10000",
    })
    void rejects_a_bad_value_naming_param_value_and_rule(String param, String value, String accepted) {
        Map<String, String> params = new HashMap<>();
        params.put("limits", "10/1s");
        params.put("redis-url", "redis://127.0.0.1:1");
        params.put(param, value);
        assertThatThrownBy(() -> new RateLimitFilter().init(config(params)))
                .isInstanceOf(ServletException.class)
                .hasMessageStartingWith("Rate-limit filter 'limit': Invalid value '" + value + "' for parameter '" + param + "': ")
                .hasMessageContaining(accepted);
    }

    @org.junit.jupiter.api.Test
    void requires_limits() {
        assertThatThrownBy(() -> new RateLimitFilter().init(config(Map.of())))
                .isInstanceOf(ServletException.class)
                .hasMessageContaining("Invalid value (not set) for parameter 'limits'");
    }

    @org.junit.jupiter.api.Test
    void takes_shared_settings_from_context_params() throws ServletException {
        Map<String, String> contextParams = Map.of("ratelimit.limits", "5/1m", "ratelimit.scope", "admin");
        assertThat(PolicyParams.read(RateLimitFilter.params(config(Map.of(), contextParams)), "f").describe())
                .contains("scope=admin", "limits=[5/1m]", "failure-mode=closed");
    }

    @org.junit.jupiter.api.Test
    void reads_no_parameter_from_system_properties_but_the_redis_url() {
        System.setProperty("ratelimit.limits", "5/1m");
        System.setProperty("ratelimit.redis-url", "redis://127.0.0.1:6390");
        try {
            assertThatThrownBy(() -> new RateLimitFilter().init(config(Map.of())))
                    .as("system property ratelimit.limits is not a parameter")
                    .isInstanceOf(ServletException.class)
                    .hasMessageContaining("Invalid value (not set) for parameter 'limits'");
            RedisSettings redis = RedisParams.read(RateLimitFilter.params(config(Map.of("limits", "5/1m"))), name -> null);
            assertThat(redis).as("the Redis URL from its system property").isNotNull();
            assertThat(redis.toString()).contains("6390");
        } finally {
            System.clearProperty("ratelimit.limits");
            System.clearProperty("ratelimit.redis-url");
        }
    }

    @org.junit.jupiter.api.Test
    void fails_the_deployment_before_any_request_on_containers_that_init_filters_lazily() {
        FilterRegistration bad = (FilterRegistration) Proxy.newProxyInstance(FilterInitTest.class.getClassLoader(),
                new Class<?>[] {FilterRegistration.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "getName":
                            return "lazy";
                        case "getClassName":
                            return RateLimitFilter.class.getName();
                        case "getInitParameter":
                            return "limits".equals(args[0]) ? "lots" : null;
                        case "getInitParameters":
                            return Map.of("limits", "lots");
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
        ServletContext context = config(Map.of()).getServletContext();
        ServletContext withFilters = (ServletContext) Proxy.newProxyInstance(FilterInitTest.class.getClassLoader(),
                new Class<?>[] {ServletContext.class}, (proxy, method, args) -> method.getName().equals("getFilterRegistrations")
                        ? Map.of("lazy", bad) : method.invoke(context, args));
        assertThatThrownBy(() -> new RateLimitFilterInitializer().onStartup(null, withFilters))
                .isInstanceOf(ServletException.class)
                .hasMessageStartingWith("Rate-limit filter 'lazy': Invalid value 'lots' for parameter 'limits'");
    }

    @org.junit.jupiter.api.Test
    void a_bad_policy_file_fails_the_deployment_before_any_request_too(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path file = dir.resolve("policies.properties");
        java.nio.file.Files.writeString(file, "# sale\nlazy.limits=lots\n");
        FilterRegistration good = (FilterRegistration) Proxy.newProxyInstance(FilterInitTest.class.getClassLoader(),
                new Class<?>[] {FilterRegistration.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "getName":
                            return "lazy";
                        case "getClassName":
                            return RateLimitFilter.class.getName();
                        case "getInitParameter":
                            return "limits".equals(args[0]) ? "5/1m" : null;
                        case "getInitParameters":
                            return Map.of("limits", "5/1m");
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
        ServletContext context = config(Map.of(), Map.of("ratelimit.config-file", file.toString())).getServletContext();
        ServletContext withFilters = (ServletContext) Proxy.newProxyInstance(FilterInitTest.class.getClassLoader(),
                new Class<?>[] {ServletContext.class}, (proxy, method, args) -> method.getName().equals("getFilterRegistrations")
                        ? Map.of("lazy", good) : method.invoke(context, args));
        assertThatThrownBy(() -> new RateLimitFilterInitializer().onStartup(null, withFilters))
                .isInstanceOf(ServletException.class)
                .hasMessageStartingWith("Rate-limit filter 'lazy': Policy file " + file + " line 2 'lazy.limits=lots':"
                        + " Invalid value 'lots' for parameter 'limits'");
        java.nio.file.Files.writeString(file, "lazzy.limits=5/1m\n");
        assertThatThrownBy(() -> new RateLimitFilterInitializer().onStartup(null, withFilters))
                .isInstanceOf(ServletException.class).hasMessageContaining("no policy named 'lazzy'");
        java.nio.file.Files.writeString(file, "lazy.limits=50/1m\n");
        new RateLimitFilterInitializer().onStartup(null, withFilters);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "two limits|limits=5/30s, 50/1h|Invalid value '[5/30s, 50/1h]' for parameter 'limits': one limit only with algorithm 'concurrency', N/lease",
            "cost 2|cost=2|Invalid value '2' for parameter 'cost': 1 with algorithm 'concurrency' (one permit per request)",
            "scope webhook|scope=webhook|Invalid value 'concurrency' for parameter 'algorithm': 'fixed-window', 'token-bucket' or 'sliding-window' with scope 'webhook'",
            "prefetch 5|prefetch=5|Invalid value '5' for parameter 'prefetch': 1 with algorithm 'concurrency' (a permit is held while its request runs",
    })
    void fails_the_deployment_of_a_bad_concurrency_filter_before_any_request(String why, String param, String message) {
        Map<String, String> params = new HashMap<>();
        params.put("algorithm", "concurrency");
        params.put("limits", "5/30s");
        params.put(param.substring(0, param.indexOf('=')), param.substring(param.indexOf('=') + 1));
        assertThatThrownBy(() -> new RateLimitFilterInitializer().onStartup(null, withFilter("lazy", params)))
                .as(why)
                .isInstanceOf(ServletException.class)
                .hasMessageStartingWith("Rate-limit filter 'lazy': " + message);
    }

    /** An application context whose one filter registration, of our filter, has these init-params (no container). */
    private static ServletContext withFilter(String name, Map<String, String> initParams) {
        FilterRegistration registration = (FilterRegistration) Proxy.newProxyInstance(FilterInitTest.class.getClassLoader(),
                new Class<?>[] {FilterRegistration.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "getName":
                            return name;
                        case "getClassName":
                            return RateLimitFilter.class.getName();
                        case "getInitParameter":
                            return initParams.get((String) args[0]);
                        case "getInitParameters":
                            return initParams;
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
        ServletContext context = config(Map.of()).getServletContext();
        return (ServletContext) Proxy.newProxyInstance(FilterInitTest.class.getClassLoader(),
                new Class<?>[] {ServletContext.class}, (proxy, method, args) -> method.getName().equals("getFilterRegistrations")
                        ? Map.of(name, registration) : method.invoke(context, args));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "limts|Unknown parameter 'limts' for filter 'limit': did you mean 'limits'?",
            "failure-mod|Unknown parameter 'failure-mod' for filter 'limit': did you mean 'failure-mode'?",
            "trusted-proxy|Unknown parameter 'trusted-proxy' for filter 'limit': did you mean 'trusted-proxies'?",
    })
    void fails_on_an_unknown_init_param_naming_the_closest_known_one(String param, String message) {
        Map<String, String> params = new HashMap<>();
        params.put("limits", "10/1s");
        params.put(param, "x");
        assertThatThrownBy(() -> new RateLimitFilter().init(config(params)))
                .isInstanceOf(ServletException.class).hasMessage(message);
    }

    @org.junit.jupiter.api.Test
    void fails_on_an_unknown_context_param_in_our_namespace() {
        assertThatThrownBy(() -> new RateLimitFilter().init(config(Map.of("limits", "10/1s"),
                Map.of("ratelimit.policy.search.limts", "5/1m", "other.app.setting", "x"))))
                .isInstanceOf(ServletException.class)
                .hasMessage("Unknown parameter 'ratelimit.policy.search.limts' for policy 'search': did you mean 'limits'?");
    }

    static FilterConfig config(Map<String, String> initParams) {
        return config(initParams, Map.of());
    }

    static FilterConfig config(Map<String, String> initParams, Map<String, String> contextParams) {
        Map<String, Object> attributes = new HashMap<>();
        ServletContext context = (ServletContext) Proxy.newProxyInstance(FilterInitTest.class.getClassLoader(),
                new Class<?>[] {ServletContext.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "getInitParameter":
                            return contextParams.get((String) args[0]);
                        case "getInitParameterNames":
                            return Collections.enumeration(contextParams.keySet());
                        case "getAttribute":
                            return attributes.get((String) args[0]);
                        case "setAttribute":
                            return attributes.put((String) args[0], args[1]);
                        case "removeAttribute":
                            return attributes.remove((String) args[0]);
                        case "getContextPath":
                            return "/unit";
                        case "hashCode":
                            return System.identityHashCode(proxy);
                        case "equals":
                            return proxy == args[0];
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
        return new FilterConfig() {
            @Override
            public String getFilterName() {
                return "limit";
            }

            @Override
            public ServletContext getServletContext() {
                return context;
            }

            @Override
            public String getInitParameter(String name) {
                return initParams.get(name);
            }

            @Override
            public Enumeration<String> getInitParameterNames() {
                return Collections.enumeration(initParams.keySet());
            }
        };
    }
}
