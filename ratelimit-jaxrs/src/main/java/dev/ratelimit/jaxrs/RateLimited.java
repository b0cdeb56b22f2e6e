package dev.ratelimit.jaxrs;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Limits a JAX-RS resource method, or every resource method of a class. A method's annotations replace
 * its class's; several annotations are independent policies, all of which must admit a request.
 * Methods without it are not limited at all and get no headers.
 *
 * <p>The attributes are the Servlet filter's init-params under the same names (Java spelling:
 * {@code failureMode} is {@code failure-mode}) with the same rules. An attribute left at its default
 * falls back to the context-param {@code ratelimit.<param>}, then to the built-in
 * default. Bad values fail the deployment, naming the attribute.
 *
 * <pre>{@code
 * @Path("/orders")
 * @RateLimited(limits = "100/1m")
 * public class OrderResource {
 *     @GET @Path("{id}")
 *     @RateLimited(limits = "10/1s, 1000/1h", key = "ip,route")
 *     public Order find(@PathParam("id") long id) { ... }
 *
 *     @GET @Path("search")
 *     @RateLimited(policy = "search")
 *     public List<Order> search(@QueryParam("q") String q) { ... }
 * }
 * }</pre>
 *
 * <p>With {@code scope = "webhook"}, requests are verified first: see {@link WebhookSignature}.
 *
 * @see RateLimitFeature
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@Repeatable(RateLimited.List.class)
public @interface RateLimited {

    /** One or more {@code N/duration}, e.g. {@code "5/1m"} or {@code "10/1s, 1000/1h"}. Not with {@link #policy}. */
    String limits() default "";

    /** {@code "fixed-window"} (default), {@code "token-bucket"}, {@code "sliding-window"} or {@code "concurrency"} (one {@code N/lease} limit: N requests in flight). */
    String algorithm() default "";

    /**
     * Parts of the key: {@code ip} (default), {@code user}, {@code header:NAME}, {@code tenant}, {@code route}
     * (the resource template, e.g. {@code /orders/{id}}), {@code method}; e.g. {@code "ip,route"}.
     */
    String key() default "";

    /** A word naming the family of limits, part of the key; default {@code api}. */
    String scope() default "";

    /** {@code "open"}, {@code "closed"} or {@code "local"}: what happens while Redis cannot answer. */
    String failureMode() default "";

    /** Permits one request takes. */
    int cost() default 1;

    /**
     * Requests' permits of one identity an instance may reserve in one Redis call and spend locally
     * ({@code prefetch}); 1 (default): every request asks Redis.
     */
    int prefetch() default 1;

    /**
     * The rate-limit header fields: {@code "legacy"} ({@code X-RateLimit-*}, default), {@code "ietf"}
     * ({@code RateLimit-Policy} and {@code RateLimit}), {@code "both"} or {@code "none"}.
     */
    String headers() default "";

    /** The body of a refusal: {@code "json"} (default) or {@code "problem"} (RFC 9457 {@code application/problem+json}). */
    String errorFormat() default "";

    /**
     * A named policy: its values come from the context-params
     * {@code ratelimit.policy.<name>.<param>}, which must at least set {@code limits}; this annotation's other attributes fill
     * in what the configuration leaves unset.
     */
    String policy() default "";

    /** Holds repeated {@link RateLimited} annotations; not written by hand. */
    @Documented
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.TYPE, ElementType.METHOD})
    @interface List {
        RateLimited[] value();
    }
}
