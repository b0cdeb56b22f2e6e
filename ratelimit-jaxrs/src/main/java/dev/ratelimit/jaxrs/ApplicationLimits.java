package dev.ratelimit.jaxrs;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.servlet.FilterRegistration;
import javax.servlet.ServletContext;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ratelimit.core.ConcurrencyGate;
import dev.ratelimit.core.ConfigParams;
import dev.ratelimit.core.RateLimiter;
import dev.ratelimit.core.app.ApplicationParams;
import dev.ratelimit.core.app.ApplicationRuntime;
import dev.ratelimit.core.app.DeclaredPolicies;
import dev.ratelimit.core.app.ParameterNames;
import dev.ratelimit.core.app.LivePolicies;
import dev.ratelimit.core.metrics.JmxNames;
import dev.ratelimit.core.webhook.WebhookSettings;

/**
 * The limiters of one JAX-RS application and what they hold: a lease on the web application's
 * {@link ApplicationRuntime} (the same ServletContext attribute, lock and lease counting as the Servlet
 * filter, so both share one Redis pool) and the limiters built by it. {@link #close} gives it all back.
 */
final class ApplicationLimits implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ApplicationLimits.class);

    private final ContextAttributes attributes;
    private final Object lock;
    private final ApplicationRuntime runtime;
    private final List<RateLimiter> limiters = new ArrayList<>();
    private final List<ConcurrencyGate> gates = new ArrayList<>();
    private boolean closed;

    /**
     * @param context the container's own ServletContext (not an injection proxy: it is the lock), or
     *                null outside a Servlet container, where the stores are this application's alone
     */
    ApplicationLimits(ServletContext context) {
        this.attributes = new ContextAttributes(context);
        this.lock = attributes.lock();
        this.runtime = ApplicationRuntime.lease(attributes,
                context == null ? new ApplicationRuntime.Settings() : applicationSettings(context));
    }

    /** A limiter for the policy, on the shared Redis client for its settings (or in memory without a URL). */
    RateLimiter limiter(AnnotationPolicy read) {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the rate limits of this application were closed");
            }
            RateLimiter limiter = runtime.limiter(read.policy, read.redis);
            limiters.add(limiter);
            if (read.fileName != null) {
                runtime.policies().register(limiter, read.fileName, read.base, read.reader, read.policy, read.readAt,
                        limiter::reconfigure);
            }
            return limiter;
        }
    }

    /** The gate of a policy with algorithm {@code concurrency}, its permits in Redis (or in memory without a URL). */
    ConcurrencyGate gate(AnnotationPolicy read) {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the rate limits of this application were closed");
            }
            ConcurrencyGate gate = runtime.concurrency(read.policy, read.redis);
            gates.add(gate);
            if (read.fileName != null) {
                runtime.policies().register(gate, read.fileName, read.base, read.reader, read.policy, read.readAt,
                        (p, generation) -> gate.reconfigure(p));
            }
            return gate;
        }
    }

    /** The application's policy file and the policies built from it. */
    LivePolicies policies() {
        return runtime.policies();
    }

    /** Verification for the webhook policy of {@code limiter}, on its Redis store or else in memory. */
    JaxrsWebhookCheck webhookCheck(WebhookSettings settings, RateLimiter limiter) {
        return new JaxrsWebhookCheck(runtime.webhookGate(settings, limiter));
    }

    /** Metrics/JMX/audit settings from context-params {@code ratelimit.<name>}, as the Servlet filter reads them. */
    private static ApplicationRuntime.Settings applicationSettings(ServletContext context) {
        ContextParams contextParams = new ContextParams(context);
        ConfigParams params = new ConfigParams(name -> contextParams.get(ParameterNames.SHARED_PREFIX + name));
        return ApplicationParams.read(params, JmxNames.applicationName(context.getContextPath()), context::getAttribute)
                .declaredPolicies(declaredPolicies(context));
    }

    /** The policies the policy file may name: the Servlet filters' and the named ones; null when the container will not say. */
    private static Set<String> declaredPolicies(ServletContext context) {
        Map<String, Map<String, String>> filters = new LinkedHashMap<>();
        try {
            for (FilterRegistration registration : context.getFilterRegistrations().values()) {
                if (DeclaredPolicies.FILTER_CLASS.equals(registration.getClassName())) {
                    filters.put(registration.getName(), registration.getInitParameters());
                }
            }
        } catch (UnsupportedOperationException e) {
            return null;
        }
        return DeclaredPolicies.of(filters, Collections.list(context.getInitParameterNames()),
                context::getInitParameter);
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            for (RateLimiter limiter : limiters) {
                runtime.forget(limiter);
            }
            limiters.clear();
            for (ConcurrencyGate gate : gates) {
                runtime.forget(gate);
            }
            gates.clear();
            ApplicationRuntime.release(attributes, runtime);
        }
        LOG.debug("Released the JAX-RS rate limits' stores");
    }
}
