package dev.ratelimit.servlet;

import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

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

import dev.ratelimit.core.Algorithm;
import dev.ratelimit.core.Answer;
import dev.ratelimit.core.ConcurrencyGate;
import dev.ratelimit.core.ConfigParams;
import dev.ratelimit.core.ConfigurationException;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.Policy;
import dev.ratelimit.core.PolicyParams;
import dev.ratelimit.core.RateLimitResponse;
import dev.ratelimit.core.RateLimiter;
import dev.ratelimit.core.RequestRules;
import dev.ratelimit.core.app.LivePolicies;
import dev.ratelimit.core.app.ApplicationParams;
import dev.ratelimit.core.app.ApplicationRuntime;
import dev.ratelimit.core.app.ParameterNames;
import dev.ratelimit.core.metrics.JmxNames;
import dev.ratelimit.core.redis.RedisParams;
import dev.ratelimit.core.redis.RedisSettings;
import dev.ratelimit.core.webhook.WebhookParams;
import dev.ratelimit.core.webhook.WebhookSettings;

/**
 * Limits the requests it is mapped to, counting in Redis so every instance of the application shares
 * one limit (or in memory, per instance, when no Redis URL is configured).
 *
 * <p>Every response gets {@code X-RateLimit-Limit}, {@code X-RateLimit-Remaining} and
 * {@code X-RateLimit-Reset} (epoch seconds), or with {@code headers=ietf} the IETF draft's
 * {@code RateLimit-Policy} and {@code RateLimit}. A request over the limit gets status 429, {@code Retry-After}
 * (seconds) and the body
 * {@code {"error":{"code":"RATE_LIMIT_EXCEEDED","message":"Too many requests. Please try again later.","retryAfter":N}}},
 * or with {@code error-format=problem} RFC 9457 problem details ({@code application/problem+json}).
 * When Redis cannot answer within {@code timeout}, {@code failure-mode} decides: {@code open} lets the
 * request through, {@code closed} answers 503 with code {@code RATE_LIMITER_UNAVAILABLE}, {@code local}
 * counts in this instance's memory. A client an operator blocked over JMX ({@code blockIdentity}) gets 403
 * with code {@code ACCESS_DENIED} and no limit headers until the block expires. When several of these filters apply to one request, the headers
 * show the binding decision: the one that denied, else the one with the fewest permits left.
 *
 * <p>Parameters (init-params; each may also be given once for all filters as a context-param named
 * {@code ratelimit.<param>}). A bad value fails {@link #init} with a message naming the parameter.
 * <table>
 * <caption>init-params</caption>
 * <tr><th>param</th><th>meaning</th><th>default</th></tr>
 * <tr><td>limits</td><td>one or more N/duration: {@code 100/1m}, {@code 10/1s, 1000/1h}; N at most 1,000,000,000, duration at most {@code 366d}</td><td>(required)</td></tr>
 * <tr><td>algorithm</td><td>{@code fixed-window}, {@code token-bucket}, {@code sliding-window} or {@code concurrency} (then {@code limits} is one {@code N/lease}: N requests in flight, {@code cost} 1)</td><td>fixed-window</td></tr>
 * <tr><td>key</td><td>parts of the key: ip, user, header:NAME, tenant, route, method</td><td>ip</td></tr>
 * <tr><td>scope</td><td>{@code api}, {@code webhook}, {@code admin} or another word; part of the key</td><td>api</td></tr>
 * <tr><td>failure-mode</td><td>{@code open}, {@code closed} or {@code local}</td><td>closed for webhook/admin, else open</td></tr>
 * <tr><td>redis-url</td><td>{@code redis://[user:pass@]host:port[/db]} or {@code rediss://}</td><td>context-param, system
 * property {@code ratelimit.redis-url}, env {@code REDIS_URL}, else in memory</td></tr>
 * <tr><td>redis-sentinels</td><td>Sentinel instead: comma-separated {@code host:port} of the sentinels</td><td>none</td></tr>
 * <tr><td>redis-sentinel-master</td><td>with redis-sentinels: the master name the sentinels monitor</td><td>(required for Sentinel)</td></tr>
 * <tr><td>redis-cluster</td><td>Redis Cluster instead: comma-separated seed {@code host:port}</td><td>none</td></tr>
 * <tr><td>redis-user</td><td>ACL user name</td><td>none (the default user)</td></tr>
 * <tr><td>redis-password-env</td><td>name of the environment variable holding the Redis password</td><td>none</td></tr>
 * <tr><td>redis-password-file</td><td>file holding the Redis password</td><td>none</td></tr>
 * <tr><td>redis-truststore</td><td>PKCS12/JKS file of the CAs trusted for Redis' TLS certificate</td><td>the JVM's trust store</td></tr>
 * <tr><td>redis-truststore-password-env</td><td>environment variable holding the trust store's password</td><td>none</td></tr>
 * <tr><td>redis-keystore</td><td>PKCS12/JKS file with a client certificate and key, for Redis requiring one</td><td>none</td></tr>
 * <tr><td>redis-keystore-password-env</td><td>environment variable holding the key store's password</td><td>none</td></tr>
 * <tr><td>key-prefix</td><td>Redis key prefix; {@code {context}} in it stands for the application's name
 * (context path, {@code ROOT} for the root application)</td><td>ratelimit</td></tr>
 * <tr><td>trusted-proxies</td><td>CIDRs whose X-Forwarded-For (or Forwarded) is believed</td><td>none</td></tr>
 * <tr><td>client-address-header</td><td>header trusted proxies name the client in: {@code X-Forwarded-For} or
 * {@code Forwarded} (RFC 7239)</td><td>X-Forwarded-For</td></tr>
 * <tr><td>ipv6-prefix</td><td>IPv6 clients are counted per network of this prefix length (32 to 128; 128 = per
 * address)</td><td>64</td></tr>
 * <tr><td>route-patterns</td><td>path patterns such as {@code /orders/{id}, /files/*}; a matching path is counted
 * under its pattern for key part {@code route}</td><td>none</td></tr>
 * <tr><td>dry-run</td><td>count and log denials but never block</td><td>false</td></tr>
 * <tr><td>cost</td><td>permits one request takes</td><td>1</td></tr>
 * <tr><td>prefetch</td><td>requests' permits of one hot identity an instance may reserve in one Redis call and
 * spend locally (1 to 10000, at most the smallest limit's permits / cost; not with {@code concurrency}); unspent
 * ones are given back</td><td>1: every request asks Redis</td></tr>
 * <tr><td>tenant-header</td><td>header naming the tenant for key part {@code tenant}</td><td>none</td></tr>
 * <tr><td>policy-name</td><td>name in logs and in the Redis keys: each policy counts apart</td><td>the filter-name</td></tr>
 * <tr><td>counter</td><td>policies with the same counter share their counters (it replaces the policy name in the
 *     Redis keys)</td><td>none: the policy counts apart</td></tr>
 * <tr><td>timeout</td><td>longest wait for one Redis call</td><td>50ms</td></tr>
 * <tr><td>connect-timeout</td><td>longest wait to open a Redis connection</td><td>100ms</td></tr>
 * <tr><td>pool-max-total</td><td>Redis connections per distinct Redis setting per application (per node with Sentinel/Cluster)</td><td>32</td></tr>
 * <tr><td>pool-max-wait</td><td>longest wait for a free pooled connection, or to be sent with other calls</td><td>20ms</td></tr>
 * <tr><td>pipelining</td><td>send concurrent decisions to Redis together, one pipeline per batch</td><td>true</td></tr>
 * <tr><td>breaker-failures</td><td>consecutive Redis failures that open the circuit breaker</td><td>5</td></tr>
 * <tr><td>breaker-open</td><td>how long the breaker stays open before probing</td><td>30s</td></tr>
 * <tr><td>breaker-probes</td><td>successful probes that close it again</td><td>3</td></tr>
 * <tr><td>closed-status</td><td>status of a {@code closed} failure-mode denial: 503 or 429</td><td>503</td></tr>
 * <tr><td>headers</td><td>rate-limit header fields: {@code legacy} (X-RateLimit-*), {@code ietf} (RateLimit-Policy and
 * RateLimit, draft-ietf-httpapi-ratelimit-headers-11), {@code both} or {@code none}</td><td>legacy</td></tr>
 * <tr><td>error-format</td><td>body of a refusal: {@code json} or {@code problem} (RFC 9457
 * {@code application/problem+json})</td><td>json</td></tr>
 * <tr><td>metrics-jmx</td><td>publish metrics and the control MBean over JMX (application-wide)</td><td>true</td></tr>
 * <tr><td>metrics-domain</td><td>JMX domain of the MBeans (application-wide)</td><td>dev.ratelimit</td></tr>
 * <tr><td>metrics-registry-attribute</td><td>ServletContext attribute holding the application's own MetricRegistry</td><td>none</td></tr>
 * <tr><td>audit-max-per-second</td><td>most audit lines per second, application-wide; the rest are counted</td><td>100</td></tr>
 * <tr><td>config-file</td><td>the policy file, {@code <policy>.<param>=<value>} over web.xml, reloaded within 2 s of a change
 * (application-wide: context-param {@code ratelimit.config-file}; an absolute path, {@code ${name}} is a system property)</td><td>none</td></tr>
 * <tr><td>allow-addresses</td><td>addresses/CIDRs never limited: not counted, no headers</td><td>none</td></tr>
 * <tr><td>deny-addresses</td><td>addresses/CIDRs answered 403 {@code ACCESS_DENIED} at once (audited)</td><td>none</td></tr>
 * <tr><td>exclude-paths</td><td>path patterns (as route-patterns) never limited: not counted, no headers</td><td>none</td></tr>
 * <tr><td>methods</td><td>only these methods are limited, e.g. {@code POST,PUT,DELETE}</td><td>all</td></tr>
 * <tr><td>webhook-scheme</td><td>with scope {@code webhook}: {@code github}, {@code stripe} or {@code generic}</td><td>(required for webhook)</td></tr>
 * <tr><td>webhook-secret-env</td><td>environment variable(s) holding the secret, comma-separated for rotation</td><td>none</td></tr>
 * <tr><td>webhook-secret-property</td><td>system propert(ies) holding the secret</td><td>none</td></tr>
 * <tr><td>webhook-secret-file</td><td>file(s) holding the secret</td><td>none (one of the three is required for webhook)</td></tr>
 * <tr><td>webhook-header</td><td>generic: header carrying the signature</td><td>(required for generic)</td></tr>
 * <tr><td>webhook-encoding</td><td>generic: {@code hex} or {@code base64}</td><td>hex</td></tr>
 * <tr><td>webhook-algorithm</td><td>generic: {@code hmac-sha256} or {@code hmac-sha512}</td><td>hmac-sha256</td></tr>
 * <tr><td>webhook-timestamp-header</td><td>generic: header with the signed unix time; signs {@code time.body}</td><td>none</td></tr>
 * <tr><td>webhook-tolerance</td><td>how far a signed timestamp may be off (and the default webhook-replay-window)</td><td>5m</td></tr>
 * <tr><td>webhook-max-body</td><td>largest body, e.g. {@code 512KiB}; larger gets 413</td><td>1MiB</td></tr>
 * <tr><td>webhook-bad-signature-limits</td><td>bad signatures allowed per client address before 429</td><td>20/1m</td></tr>
 * <tr><td>webhook-replay-protection</td><td>refuse a copy of an accepted request within the replay window (409)</td><td>true</td></tr>
 * <tr><td>webhook-replay-window</td><td>how long accepted signatures are remembered</td><td>webhook-tolerance</td></tr>
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
 * <p>Plans: {@code plan.<name>.limits} (and optionally {@code plan.<name>.algorithm}) give the requests whose
 * request attribute {@code dev.ratelimit.plan} (set by the application's own code) names the plan their own limits.
 *
 * <p>Behind a reverse proxy the container sees the proxy's address: list the proxy in
 * {@code trusted-proxies} (or put Tomcat's RemoteIpValve/RemoteIpFilter first), or every client shares
 * the proxy's limit. Several filters in one application share one Redis pool per distinct set of
 * Redis settings; the last filter's {@link #destroy} closes it.
 */
public class RateLimitFilter implements Filter {

    public static final String PARAM_LIMITS = PolicyParams.LIMITS;
    public static final String PARAM_ALGORITHM = PolicyParams.ALGORITHM;
    public static final String PARAM_KEY = PolicyParams.KEY;
    public static final String PARAM_SCOPE = PolicyParams.SCOPE;
    public static final String PARAM_FAILURE_MODE = PolicyParams.FAILURE_MODE;
    public static final String PARAM_REDIS_URL = RedisParams.REDIS_URL;
    public static final String PARAM_REDIS_SENTINELS = RedisParams.REDIS_SENTINELS;
    public static final String PARAM_REDIS_SENTINEL_MASTER = RedisParams.REDIS_SENTINEL_MASTER;
    public static final String PARAM_REDIS_CLUSTER = RedisParams.REDIS_CLUSTER;
    public static final String PARAM_REDIS_USER = RedisParams.REDIS_USER;
    public static final String PARAM_REDIS_PASSWORD_ENV = RedisParams.REDIS_PASSWORD_ENV;
    public static final String PARAM_REDIS_PASSWORD_FILE = RedisParams.REDIS_PASSWORD_FILE;
    public static final String PARAM_REDIS_TRUSTSTORE = RedisParams.REDIS_TRUSTSTORE;
    public static final String PARAM_REDIS_TRUSTSTORE_PASSWORD_ENV = RedisParams.REDIS_TRUSTSTORE_PASSWORD_ENV;
    public static final String PARAM_REDIS_KEYSTORE = RedisParams.REDIS_KEYSTORE;
    public static final String PARAM_REDIS_KEYSTORE_PASSWORD_ENV = RedisParams.REDIS_KEYSTORE_PASSWORD_ENV;
    public static final String PARAM_KEY_PREFIX = PolicyParams.KEY_PREFIX;
    public static final String PARAM_TRUSTED_PROXIES = PolicyParams.TRUSTED_PROXIES;
    public static final String PARAM_DRY_RUN = PolicyParams.DRY_RUN;
    public static final String PARAM_COST = PolicyParams.COST;
    public static final String PARAM_PREFETCH = PolicyParams.PREFETCH;
    public static final String PARAM_TENANT_HEADER = PolicyParams.TENANT_HEADER;
    public static final String PARAM_POLICY_NAME = PolicyParams.POLICY_NAME;
    public static final String PARAM_COUNTER = PolicyParams.COUNTER;
    public static final String PARAM_TIMEOUT = RedisParams.TIMEOUT;
    public static final String PARAM_CONNECT_TIMEOUT = RedisParams.CONNECT_TIMEOUT;
    public static final String PARAM_POOL_MAX_TOTAL = RedisParams.POOL_MAX_TOTAL;
    public static final String PARAM_POOL_MAX_WAIT = RedisParams.POOL_MAX_WAIT;
    public static final String PARAM_PIPELINING = RedisParams.PIPELINING;
    public static final String PARAM_BREAKER_FAILURES = RedisParams.BREAKER_FAILURES;
    public static final String PARAM_BREAKER_OPEN = RedisParams.BREAKER_OPEN;
    public static final String PARAM_BREAKER_PROBES = RedisParams.BREAKER_PROBES;
    public static final String PARAM_CLOSED_STATUS = PolicyParams.CLOSED_STATUS;
    public static final String PARAM_CLIENT_ADDRESS_HEADER = PolicyParams.CLIENT_ADDRESS_HEADER;
    public static final String PARAM_IPV6_PREFIX = PolicyParams.IPV6_PREFIX;
    public static final String PARAM_ROUTE_PATTERNS = PolicyParams.ROUTE_PATTERNS;
    public static final String PARAM_HEADERS = PolicyParams.HEADERS;
    public static final String PARAM_ERROR_FORMAT = PolicyParams.ERROR_FORMAT;
    public static final String PARAM_METRICS_JMX = ApplicationParams.METRICS_JMX;
    public static final String PARAM_METRICS_DOMAIN = ApplicationParams.METRICS_DOMAIN;
    public static final String PARAM_METRICS_REGISTRY_ATTRIBUTE = ApplicationParams.METRICS_REGISTRY_ATTRIBUTE;
    public static final String PARAM_AUDIT_MAX_PER_SECOND = ApplicationParams.AUDIT_MAX_PER_SECOND;
    public static final String PARAM_CONFIG_FILE = ApplicationParams.CONFIG_FILE;
    public static final String PARAM_ALLOW_ADDRESSES = PolicyParams.ALLOW_ADDRESSES;
    public static final String PARAM_DENY_ADDRESSES = PolicyParams.DENY_ADDRESSES;
    public static final String PARAM_EXCLUDE_PATHS = PolicyParams.EXCLUDE_PATHS;
    public static final String PARAM_METHODS = PolicyParams.METHODS;

    public static final String PARAM_WEBHOOK_SCHEME = WebhookParams.SCHEME;
    public static final String PARAM_WEBHOOK_SECRET_ENV = WebhookParams.SECRET_ENV;
    public static final String PARAM_WEBHOOK_SECRET_PROPERTY = WebhookParams.SECRET_PROPERTY;
    public static final String PARAM_WEBHOOK_SECRET_FILE = WebhookParams.SECRET_FILE;
    public static final String PARAM_WEBHOOK_HEADER = WebhookParams.HEADER;
    public static final String PARAM_WEBHOOK_ENCODING = WebhookParams.ENCODING;
    public static final String PARAM_WEBHOOK_ALGORITHM = WebhookParams.ALGORITHM;
    public static final String PARAM_WEBHOOK_TIMESTAMP_HEADER = WebhookParams.TIMESTAMP_HEADER;
    public static final String PARAM_WEBHOOK_TOLERANCE = WebhookParams.TOLERANCE;
    public static final String PARAM_WEBHOOK_MAX_BODY = WebhookParams.MAX_BODY;
    public static final String PARAM_WEBHOOK_BAD_SIGNATURE_LIMITS = WebhookParams.BAD_SIGNATURE_LIMITS;
    public static final String PARAM_WEBHOOK_REPLAY_PROTECTION = WebhookParams.REPLAY_PROTECTION;
    public static final String PARAM_WEBHOOK_REPLAY_WINDOW = WebhookParams.REPLAY_WINDOW;

    /** Context-params named {@code ratelimit.<param>} give a value to every filter of the application. */
    public static final String CONTEXT_PARAM_PREFIX = ParameterNames.SHARED_PREFIX;

    /**
     * Request attribute holding the binding {@link Decision} of all our filters that have seen the request
     * so far, so that the innermost writes the headers of the tightest, not merely its own.
     */
    static final String BINDING_DECISION_ATTRIBUTE = RateLimitFilter.class.getName() + ".binding-decision";

    /**
     * Request attribute holding the policy file generation the request began under (a Long), set by the first
     * of our filters, so that every filter decides it by the same version of the file.
     */
    static final String GENERATION_ATTRIBUTE = RateLimitFilter.class.getName() + ".generation";

    private static final Logger LOG = LoggerFactory.getLogger(RateLimitFilter.class);

    private ServletContext context;
    private ApplicationRuntime runtime;
    private RateLimiter limiter;
    private ConcurrencyGate gate;
    private String appliedAttribute;
    private ServletWebhookCheck webhooks;

    @Override
    public void init(FilterConfig config) throws ServletException {
        String filterName = config.getFilterName();
        ConfigParams params = params(config);
        ServletContext servletContext = config.getServletContext();
        String applicationName = JmxNames.applicationName(servletContext.getContextPath());
        FilterSettings.checkNames(filterName, Collections.list(config.getInitParameterNames()),
                Collections.list(servletContext.getInitParameterNames()));
        ApplicationRuntime.Settings application;
        try {
            application = ApplicationParams.read(params, applicationName, servletContext::getAttribute)
                    .declaredPolicies(DeclaredFilters.policies(servletContext));
        } catch (ConfigurationException e) {
            throw FilterSettings.invalid(filterName, e);
        }
        context = servletContext;
        appliedAttribute = RateLimitFilter.class.getName() + "." + filterName + ".applied";
        try {
            runtime = ApplicationRuntime.lease(new ServletContextAttributes(context), application);
        } catch (ConfigurationException e) {
            throw FilterSettings.invalid(filterName, e); // a bad policy file
        }
        try {
            start(filterName, params, applicationName);
        } catch (ConfigurationException e) {
            // A bad value (from web.xml or the policy file), or Redis answered and refused us (credentials,
            // ACL, certificate, master name): fail now, not per request.
            ApplicationRuntime.release(new ServletContextAttributes(context), runtime);
            runtime = null;
            throw FilterSettings.invalid(filterName, e);
        }
    }

    /** Builds the limiter or gate from web.xml and the policy file, and registers it for the file's changes. */
    private void start(String filterName, ConfigParams params, String applicationName) {
        LivePolicies live = runtime.policies();
        String policyName = params.get(PARAM_POLICY_NAME, filterName);
        long readAt = live.generation();
        FilterSettings settings;
        try {
            settings = FilterSettings.read(filterName, live.layered(policyName, params), applicationName);
        } catch (ConfigurationException e) {
            throw live.located(policyName, e);
        }
        Policy policy = settings.policy;
        RedisSettings redis = settings.redis;
        WebhookSettings webhook = settings.webhook;
        LivePolicies.Reader reader = p -> PolicyParams.read(p, filterName, applicationName);
        if (policy.algorithm() == Algorithm.CONCURRENCY) {
            gate = runtime.concurrency(policy, redis);
            ConcurrencyGate built = gate;
            live.register(built, policyName, params, reader, policy, readAt, (p, generation) -> built.reconfigure(p));
            LOG.info("Rate-limit filter '{}' ready: {} store={}", filterName, policy.describe(), gate.describe());
            return;
        }
        limiter = runtime.limiter(policy, redis);
        RateLimiter built = limiter;
        live.register(built, policyName, params, reader, policy, readAt, built::reconfigure);
        webhooks = webhook == null ? null : new ServletWebhookCheck(runtime.webhookGate(webhook, limiter));
        LOG.info("Rate-limit filter '{}' ready: {} store={}", filterName,
                policy.describe() + (webhook == null ? "" : " " + webhook.describe()), limiter.store().describe());
    }

    /** A filter's own init-param first, then the application's context-param {@code ratelimit.<name>}. */
    static ConfigParams params(FilterConfig config) {
        return params(config::getInitParameter, () -> Collections.list(config.getInitParameterNames()),
                config.getServletContext());
    }

    /** @param initNames the init-params' names, for parameters read by pattern ({@code plan.<name>.limits}) */
    static ConfigParams params(Function<String, String> initParameters, Supplier<? extends Iterable<String>> initNames,
                               ServletContext context) {
        return new ConfigParams(name -> {
            String value = initParameters.apply(name);
            if ((value == null || value.trim().isEmpty()) && context != null) {
                value = context.getInitParameter(CONTEXT_PARAM_PREFIX + name);
            }
            return value;
        }, () -> {
            Set<String> names = new LinkedHashSet<>();
            for (String name : initNames.get()) {
                names.add(name);
            }
            if (context != null) {
                for (String name : Collections.list(context.getInitParameterNames())) {
                    if (name.startsWith(CONTEXT_PARAM_PREFIX) && !name.startsWith(ParameterNames.POLICY_PREFIX)) {
                        names.add(name.substring(CONTEXT_PARAM_PREFIX.length()));
                    }
                }
            }
            return names;
        });
    }

    /** The policy file generation the request began under: the first of our filters to see it notes it. */
    private long generation(ServletRequest request) {
        Object noted = request.getAttribute(GENERATION_ATTRIBUTE);
        if (noted instanceof Long) {
            return (Long) noted;
        }
        long generation = runtime.policies().generation();
        request.setAttribute(GENERATION_ATTRIBUTE, generation);
        return generation;
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
        long generation = generation(request);
        ServletRequestView view = new ServletRequestView((HttpServletRequest) request);
        RequestRules.Verdict verdict = gate != null ? gate.verdict(view) : limiter.verdict(view, generation);
        if (verdict == RequestRules.Verdict.DENY) {
            // In the deciding policy's format (error-format), like its other refusals.
            AnswerWriter.write(http, RateLimitResponse.accessDenied(gate != null ? gate.policy() : limiter.policy(generation)));
            return;
        }
        if (gate != null) {
            if (verdict == RequestRules.Verdict.SKIP) {
                chain.doFilter(request, response);
            } else {
                PermitRelease.around(gate, (HttpServletRequest) request, http, chain);
            }
            return;
        }
        if (limiter.blocks(view)) {
            // An operator blocked this identity (JMX blockIdentity): 403 before anything is read or counted,
            // even from an allowed address or on an excluded path (a block is an explicit order).
            AnswerWriter.write(http, RateLimitResponse.accessDenied(limiter.policy(generation)));
            return;
        }
        // Verification first, by construction: a forged request never reaches the limiter. An allowed
        // address or excluded path is not counted, but a webhook's signature is verified all the same.
        ServletWebhookCheck.Delivery delivery = null;
        if (webhooks != null) {
            delivery = webhooks.admit((HttpServletRequest) request, http);
            if (delivery == null) {
                return;
            }
            request = delivery.request();
        }
        if (verdict == RequestRules.Verdict.SKIP) {
            passOn(request, response, http, chain, delivery);
            return;
        }
        // A webhook delivery replaced the request (its body buffered): the limiter sees that one.
        Decision decision = limiter.acquire(delivery == null ? view : new ServletRequestView((HttpServletRequest) request),
                generation);
        // Another of our filters may have decided on this request already: the client sees the binding one.
        Decision binding = Decision.binding((Decision) request.getAttribute(BINDING_DECISION_ATTRIBUTE), decision);
        request.setAttribute(BINDING_DECISION_ATTRIBUTE, binding);
        Answer answer = RateLimitResponse.answer(binding);
        AnswerWriter.write(http, answer);
        if (answer.refuses()) {
            if (delivery != null) {
                // Refused before the application saw it: the sender's retry of it is no replay either.
                webhooks.forget(delivery);
            }
            return;
        }
        passOn(request, response, http, chain, delivery);
    }

    private void passOn(ServletRequest request, ServletResponse response, HttpServletResponse http, FilterChain chain,
                        ServletWebhookCheck.Delivery delivery) throws IOException, ServletException {
        boolean completed = false;
        try {
            chain.doFilter(request, response);
            completed = true;
        } finally {
            // A delivery the application failed will be retried with the same signature: not a replay.
            if (delivery != null && (!completed || http.getStatus() >= 500)) {
                webhooks.forget(delivery);
            }
        }
    }

    @Override
    public void destroy() {
        if (runtime == null) {
            return;
        }
        if (gate != null) {
            runtime.forget(gate);
        } else {
            runtime.forget(limiter);
        }
        ApplicationRuntime.release(new ServletContextAttributes(context), runtime);
        runtime = null;
        limiter = null;
        gate = null;
    }
}
