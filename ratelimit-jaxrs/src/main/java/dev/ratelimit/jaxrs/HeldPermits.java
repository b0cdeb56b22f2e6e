package dev.ratelimit.jaxrs;

import java.util.ArrayList;
import java.util.List;

import dev.ratelimit.core.Permit;

/**
 * The concurrency permits one request holds, from {@link RateLimitRequestFilter} until its response is
 * complete. They live in the request property {@link #PROPERTY}, which a JAX-RS runtime in a Servlet
 * container keeps in step with the Servlet request's attributes (JAX-RS 2.1: properties of
 * {@code ContainerRequestContext} and {@code InterceptorContext}), so three places can give them back:
 * {@link PermitWriterInterceptor} once the entity is written, {@link RateLimitResponseFilter} for a
 * response without entity, and {@link RateLimitCleanupListener} when the Servlet request ends (an
 * exception no mapper handles runs neither of the other two). Every place may call {@link #releaseAll}:
 * {@link Permit#release()} gives a permit back once only.
 */
final class HeldPermits {

    static final String PROPERTY = HeldPermits.class.getName();

    private final List<Permit> permits = new ArrayList<>(1);

    synchronized void add(Permit permit) {
        permits.add(permit);
    }

    void releaseAll() {
        List<Permit> held;
        synchronized (this) {
            held = new ArrayList<>(permits);
        }
        for (Permit permit : held) {
            permit.release();
        }
    }

    /** Gives back the permits in a request property or attribute value, if it is a {@code HeldPermits}. */
    static void releaseAll(Object property) {
        if (property instanceof HeldPermits) {
            ((HeldPermits) property).releaseAll();
        }
    }
}
