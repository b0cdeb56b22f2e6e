package dev.ratelimit.servlet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import javax.servlet.Filter;
import javax.servlet.FilterChain;
import javax.servlet.FilterConfig;
import javax.servlet.ServletContext;
import javax.servlet.ServletException;
import javax.servlet.ServletRequest;
import javax.servlet.ServletResponse;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ratelimit.core.ConfigParams;
import dev.ratelimit.core.ConfigurationException;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.Policy;
import dev.ratelimit.core.PolicyParams;
import dev.ratelimit.core.RateLimitResponse;
import dev.ratelimit.core.RateLimitStore;
import dev.ratelimit.core.RateLimiter;
import dev.ratelimit.core.SharedStores;
import dev.ratelimit.core.redis.RedisParams;
import dev.ratelimit.core.redis.RedisSettings;

/**
 * Limits the requests it is mapped to, counting in Redis so every instance of the application shares
 * one limit (or in memory, per instance, when no Redis URL is configured).
 *
 * <p>Every response gets {@code X-RateLimit-Limit}, {@code X-RateLimit-Remaining} and
 * {@code X-RateLimit-Reset} (epoch seconds). A request over the limit gets status 429, {@code Retry-After}
 * (seconds) and the body
 * {@code {"error":{"code":"RATE_LIMIT_EXCEEDED","message":"Too many requests. Please try again later.","retryAfter":N}}}.
 * When Redis cannot answer within {@code timeout}, {@code failure-mode} decides: {@code open} lets the
 * request through, {@code closed} answers 503 with code {@code RATE_LIMITER_UNAVAILABLE}, {@code local}
 * counts in this instance's memory.
 *
 * <p>Parameters (init-params; each may also be given once for all filters as a context-param named
 * {@code ratelimit.<param>}). A bad value fails {@link #init} with a message naming the parameter.
 * <table>
 * <caption>init-params</caption>
 * <tr><th>param</th><th>meaning</th><th>default</th></tr>
 * <tr><td>limits</td><td>one or more N/duration: {@code 100/1m}, {@code 10/1s, 1000/1h}</td><td>(required)</td></tr>
 * <tr><td>algorithm</td><td>{@code fixed-window} or {@code token-bucket}</td><td>fixed-window</td></tr>
 * <tr><td>key</td><td>parts of the key: ip, user, header:NAME, tenant, route, method</td><td>ip</td></tr>
 * <tr><td>scope</td><td>{@code api}, {@code webhook}, {@code admin} or another word; part of the key</td><td>api</td></tr>
 * <tr><td>failure-mode</td><td>{@code open}, {@code closed} or {@code local}</td><td>closed for webhook/admin, else open</td></tr>
 * <tr><td>redis-url</td><td>{@code redis://[user:pass@]host:port[/db]} or {@code rediss://}</td><td>context-param, system
 * property {@code ratelimit.redis-url}, env {@code REDIS_URL}, else in memory</td></tr>
 * <tr><td>key-prefix</td><td>Redis key prefix</td><td>ratelimit</td></tr>
 * <tr><td>trusted-proxies</td><td>CIDRs whose X-Forwarded-For is believed</td><td>none</td></tr>
 * <tr><td>dry-run</td><td>count and log denials but never block</td><td>false</td></tr>
 * <tr><td>cost</td><td>permits one request takes</td><td>1</td></tr>
 * <tr><td>tenant-header</td><td>header naming the tenant for key part {@code tenant}</td><td>none</td></tr>
 * <tr><td>policy-name</td><td>name in logs</td><td>the filter-name</td></tr>
 * <tr><td>timeout</td><td>longest wait for one Redis call</td><td>50ms</td></tr>
 * <tr><td>connect-timeout</td><td>longest wait to open a Redis connection</td><td>100ms</td></tr>
 * <tr><td>pool-max-total</td><td>Redis connections per URL per application</td><td>32</td></tr>
 * <tr><td>pool-max-wait</td><td>longest wait for a free pooled connection</td><td>20ms</td></tr>
 * <tr><td>breaker-failures</td><td>consecutive Redis failures that open the circuit breaker</td><td>5</td></tr>
 * <tr><td>breaker-open</td><td>how long the breaker stays open before probing</td><td>30s</td></tr>
 * <tr><td>breaker-probes</td><td>successful probes that close it again</td><td>3</td></tr>
 * <tr><td>closed-status</td><td>status of a {@code closed} failure-mode denial: 503 or 429</td><td>503</td></tr>
 * </table>
 *
 * <pre>{@code
 * <filter>
 *   <filter-name>api-limit</filter-name>
 *   <filter-class>dev.ratelimit.servlet.RateLimitFilter</filter-class>
 *   <init-param><param-name>limits</param-name><param-value>100/1m</param-value></init-param>
 *   <init-param><param-name>key</param-name><param-value>ip</param-value></init-param>
 * </filter>
 * <filter-mapping>
 *   <filter-name>api-limit</filter-name>
 *   <url-pattern>/api/*</url-pattern>
 * </filter-mapping>
 * }</pre>
 *
 * <p>Behind a reverse proxy the container sees the proxy's address: list the proxy in
 * {@code trusted-proxies} (or put Tomcat's RemoteIpValve/RemoteIpFilter first), or every client shares
 * the proxy's limit. Several filters in one application share one Redis pool per URL; the last
 * filter's {@link #destroy} closes it.
 */
public class RateLimitFilter implements Filter {

    public static final String PARAM_LIMITS = PolicyParams.LIMITS;
    public static final String PARAM_ALGORITHM = PolicyParams.ALGORITHM;
    public static final String PARAM_KEY = PolicyParams.KEY;
    public static final String PARAM_SCOPE = PolicyParams.SCOPE;
    public static final String PARAM_FAILURE_MODE = PolicyParams.FAILURE_MODE;
    public static final String PARAM_REDIS_URL = RedisParams.REDIS_URL;
    public static final String PARAM_KEY_PREFIX = PolicyParams.KEY_PREFIX;
    public static final String PARAM_TRUSTED_PROXIES = PolicyParams.TRUSTED_PROXIES;
    public static final String PARAM_DRY_RUN = PolicyParams.DRY_RUN;
    public static final String PARAM_COST = PolicyParams.COST;
    public static final String PARAM_TENANT_HEADER = PolicyParams.TENANT_HEADER;
    public static final String PARAM_POLICY_NAME = PolicyParams.POLICY_NAME;
    public static final String PARAM_TIMEOUT = RedisParams.TIMEOUT;
    public static final String PARAM_CONNECT_TIMEOUT = RedisParams.CONNECT_TIMEOUT;
    public static final String PARAM_POOL_MAX_TOTAL = RedisParams.POOL_MAX_TOTAL;
    public static final String PARAM_POOL_MAX_WAIT = RedisParams.POOL_MAX_WAIT;
    public static final String PARAM_BREAKER_FAILURES = RedisParams.BREAKER_FAILURES;
    public static final String PARAM_BREAKER_OPEN = RedisParams.BREAKER_OPEN;
    public static final String PARAM_BREAKER_PROBES = RedisParams.BREAKER_PROBES;
    public static final String PARAM_CLOSED_STATUS = PolicyParams.CLOSED_STATUS;

    /** Context-params named {@code ratelimit.<param>} give a value to every filter of the application. */
    public static final String CONTEXT_PARAM_PREFIX = "ratelimit.";

    private static final Logger LOG = LoggerFactory.getLogger(RateLimitFilter.class);

    private ServletContext context;
    private SharedStores shared;
    private RateLimitStore store;
    private RateLimiter limiter;
    private String appliedAttribute;

    @Override
    public void init(FilterConfig config) throws ServletException {
        String filterName = config.getFilterName();
        ConfigParams params = params(config);
        Policy policy;
        RedisSettings redis;
        try {
            policy = PolicyParams.read(params, filterName);
            redis = RedisParams.read(params);
        } catch (ConfigurationException e) {
            throw new ServletException("Rate-limit filter '" + filterName + "': " + e.getMessage(), e);
        }
        context = config.getServletContext();
        appliedAttribute = RateLimitFilter.class.getName() + "." + filterName + ".applied";
        shared = ApplicationStores.lease(context);
        if (redis == null) {
            shared.warnPerInstanceOnce(filterName);
            store = null;
        } else {
            store = shared.redis().open(redis);
        }
        RateLimitStore effective = store != null ? store : shared.memory();
        limiter = new RateLimiter(policy, effective, shared.memory());
        LOG.info("Rate-limit filter '{}' ready: {} store={}", filterName, policy.describe(), effective.describe());
    }

    /** A filter's own init-param first, then the application's context-param {@code ratelimit.<name>}. */
    static ConfigParams params(FilterConfig config) {
        ServletContext context = config.getServletContext();
        return new ConfigParams(name -> {
            String value = config.getInitParameter(name);
            if ((value == null || value.trim().isEmpty()) && context != null) {
                value = context.getInitParameter(CONTEXT_PARAM_PREFIX + name);
            }
            return value;
        });
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest) || !(response instanceof HttpServletResponse)
                || request.getAttribute(appliedAttribute) != null) {
            chain.doFilter(request, response);
            return;
        }
        request.setAttribute(appliedAttribute, Boolean.TRUE);
        HttpServletResponse http = (HttpServletResponse) response;
        Decision decision = limiter.acquire(new ServletRequestView((HttpServletRequest) request));
        for (Map.Entry<String, String> header : RateLimitResponse.headers(decision).entrySet()) {
            http.setHeader(header.getKey(), header.getValue());
        }
        if (decision.blocks()) {
            reject(http, decision, limiter.policy());
            return;
        }
        chain.doFilter(request, response);
    }

    private static void reject(HttpServletResponse response, Decision decision, Policy policy) throws IOException {
        // setStatus, not sendError: the container's error page must not replace our JSON body.
        response.setStatus(RateLimitResponse.status(decision, policy));
        response.setContentType(RateLimitResponse.CONTENT_TYPE);
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        byte[] body = RateLimitResponse.body(decision).getBytes(StandardCharsets.UTF_8);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    @Override
    public void destroy() {
        if (shared == null) {
            return;
        }
        if (store != null) {
            store.close();
            store = null;
        }
        ApplicationStores.release(context, shared);
        shared = null;
        limiter = null;
    }
}
