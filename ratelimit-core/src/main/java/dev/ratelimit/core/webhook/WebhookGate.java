package dev.ratelimit.core.webhook;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ratelimit.core.AuditLog;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.DecisionSource;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.LogValues;
import dev.ratelimit.core.Policy;
import dev.ratelimit.core.RateLimitKeys;
import dev.ratelimit.core.RateLimitResponse;
import dev.ratelimit.core.RateLimitStore;
import dev.ratelimit.core.RequestView;
import dev.ratelimit.core.StoreUnavailableException;
import dev.ratelimit.core.metrics.PolicyMetrics;

/**
 * What a webhook request passes before its policy's limiter sees it: the signature, then replay
 * protection. A bad signature never reaches the limiter, so forgers cannot spend the sender's quota;
 * instead it counts against a per-address limit of its own (scope {@code <scope>-bad-signature}) and
 * past that is answered 429 instead of 401. Every rejection is one line in the audit log
 * ({@code dev.ratelimit.audit}): address, route, reason; never a secret or the body.
 */
public final class WebhookGate {

    /** Scope suffix of the bad-signature limit, e.g. {@code webhook-bad-signature}. */
    public static final String BAD_SIGNATURE_SCOPE_SUFFIX = "-bad-signature";

    static final String REPLAY_KIND = "replay";
    private static final long CLOSED_RETRY_AFTER_MILLIS = 1000;

    private static final Logger LOG = LoggerFactory.getLogger(WebhookGate.class);

    private final WebhookSettings settings;
    private final SignatureVerifier verifier;
    private final Policy policy;
    private final Policy badSignaturePolicy;
    private final RateLimitStore store;
    private final RateLimitStore localFallback;
    private final LongSupplier clock;
    private final AuditLog audit;
    private final PolicyMetrics metrics;

    /**
     * @param policy        the webhook policy (its prefix, scope, trusted proxies and failure mode apply)
     * @param store         where replays and bad signatures are counted (the policy's store)
     * @param localFallback the in-memory store for failure mode {@code local}
     */
    public WebhookGate(WebhookSettings settings, Policy policy, RateLimitStore store, RateLimitStore localFallback) {
        this(settings, policy, store, localFallback, new AuditLog(AuditLog.DEFAULT_MAX_PER_SECOND), PolicyMetrics.none());
    }

    /**
     * @param audit   the application's bounded audit log, so a flood of forgeries cannot fill the disk
     * @param metrics the policy's meters; bad signatures mark {@code signature-failures}
     */
    public WebhookGate(WebhookSettings settings, Policy policy, RateLimitStore store, RateLimitStore localFallback,
                       AuditLog audit, PolicyMetrics metrics) {
        this(settings, policy, store, localFallback, audit, metrics, System::currentTimeMillis);
    }

    WebhookGate(WebhookSettings settings, Policy policy, RateLimitStore store, RateLimitStore localFallback,
                AuditLog audit, LongSupplier clock) {
        this(settings, policy, store, localFallback, audit, PolicyMetrics.none(), clock);
    }

    private WebhookGate(WebhookSettings settings, Policy policy, RateLimitStore store, RateLimitStore localFallback,
                        AuditLog audit, PolicyMetrics metrics, LongSupplier clock) {
        this.audit = audit;
        this.metrics = metrics;
        this.settings = settings;
        this.verifier = new SignatureVerifier(settings);
        this.policy = policy;
        // Failure mode open: the request is refused either way; an outage must not turn 401 into 503.
        this.badSignaturePolicy = Policy.builder(policy.name() + BAD_SIGNATURE_SCOPE_SUFFIX)
                .scope(policy.scope() + BAD_SIGNATURE_SCOPE_SUFFIX)
                .limits(settings.badSignatureLimits())
                .keyPrefix(policy.keyPrefix())
                .trustedProxies(policy.trustedProxies())
                .failureMode(FailureMode.OPEN)
                .build();
        this.store = store;
        this.localFallback = localFallback;
        this.clock = clock;
    }

    public WebhookSettings settings() {
        return settings;
    }

    /** Checks a request whose whole body the adapter has buffered (at most {@code webhook-max-body} bytes). */
    public WebhookOutcome check(RequestView request, byte[] body) {
        Verification verification = verifier.verify(request, body, clock.getAsLong());
        if (!verification.isValid()) {
            return badSignature(request, verification.rejection());
        }
        if (!settings.replayProtection()) {
            return WebhookOutcome.accepted();
        }
        String key = RateLimitKeys.rememberKey(policy, request.route(), REPLAY_KIND, verification.replayId());
        Boolean first = rememberOrFailureMode(key, verification.replayTtlMillis());
        if (first == null) {
            Decision closed = Decision.denied(0, 0, clock.getAsLong() + CLOSED_RETRY_AFTER_MILLIS,
                    CLOSED_RETRY_AFTER_MILLIS, DecisionSource.BYPASS);
            return reject(request, Rejection.STORE_UNAVAILABLE, RateLimitResponse.status(closed, policy),
                    RateLimitResponse.body(closed), RateLimitResponse.headers(closed));
        }
        if (!first) {
            return reject(request, Rejection.REPLAYED, RateLimitResponse.CONFLICT,
                    RateLimitResponse.replayedWebhookBody(), Collections.<String, String>emptyMap());
        }
        return WebhookOutcome.accepted();
    }

    /** The answer to a body over {@code webhook-max-body}, which the adapter saw without reading it all. */
    public WebhookOutcome tooLarge(RequestView request) {
        return reject(request, Rejection.BODY_TOO_LARGE, RateLimitResponse.PAYLOAD_TOO_LARGE,
                RateLimitResponse.payloadTooLargeBody(settings.maxBodyBytes()), Collections.<String, String>emptyMap());
    }

    /** @return whether the key is new; null when the store is down and the failure mode is closed */
    private Boolean rememberOrFailureMode(String key, long ttlMillis) {
        try {
            return store.remember(key, ttlMillis);
        } catch (StoreUnavailableException e) {
            LOG.debug("Replay check for policy {} skipped the store: {}", policy.name(), e.getMessage());
            switch (policy.failureMode()) {
                case OPEN:
                    return Boolean.TRUE;
                case LOCAL:
                    return localFallback.remember(key, ttlMillis);
                default:
                    return null;
            }
        }
    }

    private WebhookOutcome badSignature(RequestView request, Rejection reason) {
        metrics.signatureFailure();
        Decision decision = countBadSignature(request);
        if (decision != null && !decision.allowed()) {
            String retryAfter = RateLimitResponse.headers(decision).get("Retry-After");
            return reject(request, Rejection.BAD_SIGNATURE_LIMIT, RateLimitResponse.TOO_MANY_REQUESTS,
                    RateLimitResponse.body(decision), Collections.singletonMap("Retry-After", retryAfter));
        }
        return reject(request, reason, RateLimitResponse.UNAUTHORIZED, RateLimitResponse.invalidSignatureBody(),
                Collections.<String, String>emptyMap());
    }

    /** @return the bad-signature limit's decision, or null when no store could count */
    private Decision countBadSignature(RequestView request) {
        List<String> keys = RateLimitKeys.keysFor(badSignaturePolicy, request);
        try {
            return store.acquire(badSignaturePolicy.algorithm(), keys, badSignaturePolicy.limits(), 1);
        } catch (StoreUnavailableException e) {
            return policy.failureMode() == FailureMode.LOCAL
                    ? localFallback.acquire(badSignaturePolicy.algorithm(), keys, badSignaturePolicy.limits(), 1)
                    : null;
        }
    }

    private WebhookOutcome reject(RequestView request, Rejection reason, int status, String body,
                                  Map<String, String> headers) {
        audit.reject("webhook rejected", "policy", policy.name(), "scope", policy.scope(),
                "route", printable(request.route()), "method", printable(request.method()),
                "address", LogValues.escape(RateLimitKeys.clientAddress(policy, request)), "scheme", settings.scheme(),
                "reason", reason, "status", status);
        return WebhookOutcome.rejected(reason, status, body, headers);
    }

    /** Control characters from a request must not forge audit lines. */
    private static String printable(String value) {
        if (value == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            out.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return out.toString();
    }
}
