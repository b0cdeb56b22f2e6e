package dev.ratelimit.jaxrs;

import javax.ws.rs.Priorities;
import javax.ws.rs.core.Feature;
import javax.ws.rs.core.FeatureContext;
import javax.ws.rs.ext.Provider;

/**
 * Turns on {@link RateLimited} for a JAX-RS 2.1 application, on the same engine, configuration names
 * and Redis pool as the Servlet filter {@code dev.ratelimit.servlet.RateLimitFilter}.
 *
 * <p>Register it in the {@code Application} ({@code getClasses().add(RateLimitFeature.class)}, Jersey's
 * {@code register(RateLimitFeature.class)}), or let the runtime discover it by its {@code @Provider}
 * annotation where it scans (Jersey with package scanning, RESTEasy/WildFly with an empty Application).
 * Give the JAX-RS servlet a {@code load-on-startup} so a bad annotation fails the deployment, not the
 * first request.
 *
 * <p>Only methods annotated with {@link RateLimited} (directly or through their class) are limited; each
 * gets its own filter at {@link #PRIORITY}. Responses carry {@code X-RateLimit-Limit},
 * {@code X-RateLimit-Remaining} and {@code X-RateLimit-Reset} (or, by {@link RateLimited#headers}, the IETF
 * {@code RateLimit-Policy} and {@code RateLimit}); a request over the limit gets 429, {@code Retry-After}
 * and the same body as from the Servlet filter (JSON, or RFC 9457 problem details by
 * {@link RateLimited#errorFormat}). For several policies on one
 * method the headers report the one with the fewest permits left, or the one that denied. A method
 * with {@link WebhookSignature} has the signature verified first, in the same filter, so a forged,
 * replayed or oversized webhook is answered (401, 409, 413, or 429 past its own limit) before any
 * limit counts it.
 *
 * <p>Configuration names are read from the web application's context-params, else from system
 * properties:
 * <ul>
 * <li>{@code ratelimit.<param>}: for every limit of the application, as for the Servlet filter, e.g.
 * {@code ratelimit.redis-url}, {@code ratelimit.timeout}, {@code ratelimit.key-prefix},
 * {@code ratelimit.trusted-proxies}; an annotation attribute, when set, wins over it;</li>
 * <li>{@code ratelimit.policy.<name>.<param>}: the named policy {@code @RateLimited(policy = "<name>")};
 * {@code ratelimit.policy.<name>.limits} must be set; wins over the annotation's attributes.</li>
 * </ul>
 *
 * <p>Key part {@code route} is the resource template ({@code /orders/{id}}, from the {@code @Path}s
 * of class and method), so {@code /orders/1} and {@code /orders/2} share a bucket; {@code user} is the
 * {@code SecurityContext}'s principal. When the web application stops, {@link RateLimitCleanupListener}
 * (registered by {@link RateLimitServletInitializer}) closes the Redis clients.
 */
@Provider
public class RateLimitFeature implements Feature {

    /**
     * The request filters' priority: after authentication, so key part {@code user} sees the principal,
     * and after authorization, so requests the application refuses anyway cost the client no permit and
     * the server no Redis round trip.
     */
    public static final int PRIORITY = Priorities.AUTHORIZATION + 100;

    @Override
    public boolean configure(FeatureContext context) {
        // A class, not an instance: the runtime creates it and injects its @Context fields.
        context.register(RateLimitedDynamicFeature.class);
        return true;
    }
}
