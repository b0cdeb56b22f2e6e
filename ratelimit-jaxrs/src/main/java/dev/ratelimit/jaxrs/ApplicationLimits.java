package dev.ratelimit.jaxrs;

import java.util.ArrayList;
import java.util.List;

import javax.servlet.ServletContext;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ratelimit.core.RateLimitStore;
import dev.ratelimit.core.RateLimiter;
import dev.ratelimit.core.SharedStores;

/**
 * The limiters of one JAX-RS application and what they hold: a lease on the web application's
 * {@link SharedStores} (the same ServletContext attribute, lock and lease counting as the Servlet
 * filter, so both share one Redis pool) and the Redis stores opened on it. {@link #close} gives it all back.
 */
final class ApplicationLimits implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ApplicationLimits.class);

    /** Locked like the Servlet filter locks it: the container's ServletContext object itself. */
    private final Object lock;
    private final ServletContext context;
    private final SharedStores shared;
    private final List<RateLimitStore> stores = new ArrayList<>();
    private boolean closed;

    /**
     * @param context the container's own ServletContext (not an injection proxy: it is the lock), or
     *                null outside a Servlet container, where the stores are this application's alone
     */
    ApplicationLimits(ServletContext context) {
        this.context = context;
        this.lock = context != null ? context : this;
        synchronized (lock) {
            SharedStores existing = context == null ? null : (SharedStores) context.getAttribute(SharedStores.ATTRIBUTE);
            if (existing == null) {
                existing = new SharedStores();
                if (context != null) {
                    context.setAttribute(SharedStores.ATTRIBUTE, existing);
                }
            }
            this.shared = existing.lease();
        }
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
                store = shared.memory();
            } else {
                store = shared.redis().open(read.redis);
                stores.add(store);
            }
        }
        return new RateLimiter(read.policy, store, shared.memory());
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            for (RateLimitStore store : stores) {
                store.close();
            }
            stores.clear();
            if (shared.release() && context != null) {
                context.removeAttribute(SharedStores.ATTRIBUTE);
            }
        }
        LOG.debug("Released the JAX-RS rate limits' stores");
    }
}
