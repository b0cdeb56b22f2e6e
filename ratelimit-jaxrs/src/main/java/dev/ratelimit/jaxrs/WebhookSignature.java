package dev.ratelimit.jaxrs;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Verifies the webhook signature of the requests of a resource method (or of every method of a class)
 * before its {@link RateLimited} limits count them. It belongs to the method's one {@code @RateLimited}
 * whose scope is {@code webhook}: without such a policy the deployment fails, as verification silently
 * off would be worse.
 *
 * <p>The attributes are the Servlet filter's {@code webhook-*} init-params (Java spelling:
 * {@code secretEnv} is {@code webhook-secret-env}) with the same rules and defaults. As for
 * {@code @RateLimited}, a named policy's {@code ratelimit.policy.<name>.webhook-<param>} wins over the
 * attribute, and an attribute left at its default falls back to {@code ratelimit.webhook-<param>}. A bad
 * value or a missing secret fails the deployment, naming the attribute.
 *
 * <pre>{@code
 * @POST @Path("github")
 * @RateLimited(scope = "webhook", limits = "30/1m")
 * @WebhookSignature(scheme = "github", secretEnv = "WEBHOOK_GITHUB_SECRET")
 * public Response github(String payload) { ... }
 * }</pre>
 *
 * <p>A bad signature gets 401 {@code INVALID_SIGNATURE} and costs the sender no permit; past
 * {@link #badSignatureLimits} per client address, 429. A replay gets 409 {@code REPLAYED_WEBHOOK}, a body
 * over {@link #maxBody} 413. The resource reads the same body as sent (String, byte[], InputStream,
 * {@code @FormParam}).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface WebhookSignature {

    /** {@code "github"}, {@code "stripe"} or {@code "generic"}; required here or in the named policy. */
    String scheme() default "";

    /** Environment variable(s) holding the secret, comma-separated for rotation. Never the secret itself. */
    String secretEnv() default "";

    /** System propert(ies) holding the secret, comma-separated for rotation. */
    String secretProperty() default "";

    /** File(s) holding the secret (trimmed), comma-separated for rotation. */
    String secretFile() default "";

    /** Generic scheme: the header carrying the signature, e.g. {@code "X-Signature"}. */
    String header() default "";

    /** Generic scheme: {@code "hex"} (default) or {@code "base64"}. */
    String encoding() default "";

    /** Generic scheme: {@code "hmac-sha256"} (default) or {@code "hmac-sha512"}. */
    String algorithm() default "";

    /** Generic scheme: the header with the signed Unix time; the HMAC is then over {@code time.body}. */
    String timestampHeader() default "";

    /** How far a signed timestamp may be off (and the default {@link #replayWindow}); default {@code 5m}. */
    String tolerance() default "";

    /** Largest body, e.g. {@code "512KiB"}; a larger one gets 413. Default {@code 1MiB}. */
    String maxBody() default "";

    /** Bad signatures allowed per client address before 429; default {@code 20/1m}. */
    String badSignatureLimits() default "";

    /**
     * How long an accepted signature is remembered, e.g. {@code "1h"}; default the {@link #tolerance}. A
     * signed timestamp is remembered at least until it is stale; a signature without one (GitHub, generic
     * without timestamp header) can be replayed once this window has passed.
     */
    String replayWindow() default "";

    /**
     * Refuse a copy of an accepted request within the replay window (409). Only {@code false} is an
     * attribute value; left at {@code true}, the named policy or {@code ratelimit.webhook-replay-protection}
     * may still turn it off.
     */
    boolean replayProtection() default true;
}
