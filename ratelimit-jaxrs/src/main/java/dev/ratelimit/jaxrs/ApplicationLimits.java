package dev.ratelimit.jaxrs;

import java.util.ArrayList;
import java.util.List;

import javax.servlet.ServletContext;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ratelimit.core.ApplicationParams;
import dev.ratelimit.core.ConfigParams;
import dev.ratelimit.core.RateLimitStore;
import dev.ratelimit.core.RateLimiter;
import dev.ratelimit.core.SharedStores;
import dev.ratelimit.core.memory.InMemoryStore;
import dev.ratelimit.core.metrics.JmxNames;
import dev.ratelimit.core.webhook.WebhookSettings;

/**
 * The limiters of one JAX-RS application and what they hold: a lease on the web application's
 * {@link SharedStores} (the same ServletContext attribute, lock and lease counting as the Servlet
 * filter, so both share one Redis pool) and the Redis stores opened on it. {@link #close} gives it all back.
 */
final class ApplicationLimits implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ApplicationLimits.class);

    private final ContextAttributes attributes;
    private final Object lock;
    private final SharedStores shared;
    private final List<RateLimitStore> stores = new ArrayList<>();
    private final List<RateLimiter> limiters = new ArrayList<>();
    private boolean closed;

    /**
     * @param context the container's own ServletContext (not an injection proxy: it is the lock), or
     *                null outside a Servlet container, where the stores are this application's alone
     */
    ApplicationLimits(ServletContext context) {
        this.attributes = new ContextAttributes(context);
        this.lock = attributes.lock();
        this.shared = SharedStores.lease(attributes,
                context == null ? new SharedStores.Settings() : applicationSettings(context));
    }

    /** A limiter for the policy, on the shared Redis client for its settings (or in memory without a URL). */
    RateLimiter limiter(AnnotationPolicy read) {
        RateLimitStore store;
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the rate limits of this application were closed");
            }
            if (read.redis == null) {
                shared.warnPerInstanceOnce(read.policy.name());
                store = shared.memory(read.policy.name());
            } else {
                store = shared.redis().open(read.redis);
                stores.add(store);
            }
        }
        RateLimiter limiter = shared.limiter(read.policy, store);
        limiters.add(limiter);
        return limiter;
    }

    /** Verification for the webhook policy of {@code limiter}, on its Redis store or else in memory. */
    WebhookGuard webhookGuard(WebhookSettings settings, RateLimiter limiter) {
        RateLimitStore redis = limiter.store() instanceof InMemoryStore ? null : limiter.store();
        return new WebhookGuard(shared.webhookGate(settings, limiter.policy(), redis));
    }

    /** Metrics/JMX/audit settings from context-params {@code ratelimit.<name>}, as the Servlet filter reads them. */
    private static SharedStores.Settings applicationSettings(ServletContext context) {
        Settings settings = new Settings(context);
        ConfigParams params = new ConfigParams(name -> settings.get("ratelimit." + name));
        return ApplicationParams.read(params, JmxNames.applicationName(context.getContextPath()), context::getAttribute);
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            for (RateLimiter limiter : limiters) {
                shared.forget(limiter);
            }
            limiters.clear();
            for (RateLimitStore store : stores) {
                store.close();
            }
            stores.clear();
            SharedStores.release(attributes, shared);
        }
        LOG.debug("Released the JAX-RS rate limits' stores");
    }
}
