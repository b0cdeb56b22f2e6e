package dev.ratelimit.core.webhook;

import java.util.Collections;
import java.util.List;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ratelimit.core.Answer;
import dev.ratelimit.core.AuditLog;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.DecisionSource;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.Policy;
import dev.ratelimit.core.PolicyMetrics;
import dev.ratelimit.core.RateLimitResponse;
import dev.ratelimit.core.RateLimitStore;
import dev.ratelimit.core.RateLimiter;
import dev.ratelimit.core.RequestView;
import dev.ratelimit.core.StoreUnavailableException;
import dev.ratelimit.core.metrics.RateLimitMetrics;

/**
 * What a webhook request passes before its policy's limiter sees it: the signature, then replay
 * protection. A bad signature never reaches the limiter, so forgers cannot spend the sender's quota;
 * instead it counts against a per-address limit of its own (scope {@code <scope>-bad-signature}, its own
 * {@link RateLimiter}) and past that is answered 429 instead of 401. Once this instance has seen an
 * address go over that limit, {@link #precheck} refuses the address's next requests before their body
 * is read or signed, until the limit's window lets it in again. Every rejection is one line in the
 * audit log ({@code dev.ratelimit.audit}): address, route, reason, each escaped; never a secret or the
 * body.
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
    private final RateLimiter badSignatures;
    private final RateLimitStore store;
    private final RateLimitStore localFallback;
    private final LongSupplier clock;
    private final AuditLog audit;
    private final PolicyMetrics metrics;

    /**
     * One store for replays and bad signatures alike: for tests.
     *
     * @param policy        the webhook policy (its prefix, scope, client address settings and failure mode apply)
     * @param store         where replays and bad signatures are counted (the policy's store)
     * @param localFallback the in-memory store for failure mode {@code local}
     */
    public WebhookGate(WebhookSettings settings, Policy policy, RateLimitStore store, RateLimitStore localFallback) {
        this(settings, policy, store, localFallback, store, localFallback, new AuditLog(AuditLog.DEFAULT_MAX_PER_SECOND),
                PolicyMetrics.NONE, PolicyMetrics.NONE, System::currentTimeMillis);
    }

    /**
     * Replays and bad signatures kept apart, so a flood of forgeries from many addresses cannot evict the
     * memory of accepted deliveries from an in-memory store.
     *
     * @param replays              where accepted signatures are remembered (Redis, or the policy's replay memory)
     * @param replaysFallback      the in-memory store for replays under failure mode {@code local}
     * @param badSignatures        where bad signatures are counted (Redis, or an in-memory store of their own)
     * @param badSignaturesFallback the in-memory store for bad signatures under failure mode {@code local}
     */
    public WebhookGate(WebhookSettings settings, Policy policy, RateLimitStore replays, RateLimitStore replaysFallback,
                       RateLimitStore badSignatures, RateLimitStore badSignaturesFallback, AuditLog audit,
                       RateLimitMetrics metrics) {
        this(settings, policy, replays, replaysFallback, badSignatures, badSignaturesFallback, audit,
                metrics.policy(policy.name()), metrics.policy(policy.name() + BAD_SIGNATURE_SCOPE_SUFFIX),
                System::currentTimeMillis);
    }

    WebhookGate(WebhookSettings settings, Policy policy, RateLimitStore store, RateLimitStore localFallback,
                AuditLog audit, LongSupplier clock) {
        this(settings, policy, store, localFallback, store, localFallback, audit, PolicyMetrics.NONE,
                PolicyMetrics.NONE, clock);
    }

    private WebhookGate(WebhookSettings settings, Policy policy, RateLimitStore store, RateLimitStore localFallback,
                        RateLimitStore badSignatureStore, RateLimitStore badSignatureFallback, AuditLog audit,
                        PolicyMetrics metrics, PolicyMetrics badSignatureMetrics, LongSupplier clock) {
        this.audit = audit;
        this.metrics = metrics;
        this.settings = settings;
        this.verifier = new SignatureVerifier(settings);
        this.policy = policy;
        // Failure mode open unless local: the request is refused either way; an outage must not turn 401 into 503.
        Policy badSignaturePolicy = Policy.builder(policy.name() + BAD_SIGNATURE_SCOPE_SUFFIX)
                .scope(policy.scope() + BAD_SIGNATURE_SCOPE_SUFFIX)
                .limits(settings.badSignatureLimits())
                .keyPrefix(policy.keyPrefix())
                .trustedProxies(policy.trustedProxies())
                .clientAddressHeader(policy.clientAddressHeader())
                .ipv6Prefix(policy.ipv6Prefix())
                .failureMode(policy.failureMode() == FailureMode.LOCAL ? FailureMode.LOCAL : FailureMode.OPEN)
                .build();
        this.badSignatures = new RateLimiter(badSignaturePolicy, badSignatureStore, badSignatureFallback,
                badSignatureMetrics, audit);
        this.store = store;
        this.localFallback = localFallback;
        this.clock = clock;
    }

    public WebhookSettings settings() {
        return settings;
    }

    /**
     * Asked before the body is read: refuses (429) an address this instance already knows to be over its
     * bad-signature limit, without a store call, a body or an HMAC; else accepted, and the adapter reads
     * the body and calls {@link #check}. Per instance: each instance learns of the address on the first
     * over-limit forgery it sees itself.
     */
    public WebhookOutcome precheck(RequestView request) {
        Decision denial = badSignatures.cachedDenial(request);
        if (denial == null || !denial.blocks()) {
            return WebhookOutcome.accepted();
        }
        return tooManyBadSignatures(request, denial);
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
        String key = policy.keyLayout().rememberKey(REPLAY_KIND, verification.replayId());
        Boolean first = rememberOrFailureMode(key, verification.replayTtlMillis());
        if (first == null) {
            Decision closed = Decision.denied(0, 0, clock.getAsLong() + CLOSED_RETRY_AFTER_MILLIS,
                    CLOSED_RETRY_AFTER_MILLIS, DecisionSource.BYPASS).decidedBy(policy);
            return reject(request, Rejection.STORE_UNAVAILABLE, RateLimitResponse.answer(closed));
        }
        if (!first) {
            return reject(request, Rejection.REPLAYED, RateLimitResponse.replayedWebhook(policy));
        }
        return WebhookOutcome.accepted(key);
    }

    /**
     * Forgets an accepted delivery's signature, so the sender's retry of it is accepted rather than
     * refused as a replay: for a delivery the application failed (5xx, exception). Best effort: when
     * the store cannot answer, the copy stays remembered until its window ends.
     */
    public void forget(WebhookOutcome accepted) {
        String key = accepted.replayKey();
        if (key == null) {
            return;
        }
        List<String> keys = Collections.singletonList(key);
        try {
            store.reset(keys);
        } catch (StoreUnavailableException e) {
            LOG.debug("Policy {} could not forget a failed delivery: {}", policy.name(), e.getMessage());
        }
        if (localFallback != null && localFallback != store) {
            localFallback.reset(keys);
        }
    }

    /** The answer to a body over {@code webhook-max-body}, which the adapter saw without reading it all. */
    public WebhookOutcome tooLarge(RequestView request) {
        return reject(request, Rejection.BODY_TOO_LARGE, RateLimitResponse.payloadTooLarge(settings.maxBodyBytes(), policy));
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
        Decision decision = badSignatures.acquire(request);
        if (decision.blocks()) {
            return tooManyBadSignatures(request, decision);
        }
        return reject(request, reason, RateLimitResponse.invalidSignature(policy));
    }

    private WebhookOutcome tooManyBadSignatures(RequestView request, Decision denial) {
        return reject(request, Rejection.BAD_SIGNATURE_LIMIT, RateLimitResponse.tooManyBadSignatures(denial, policy));
    }

    private WebhookOutcome reject(RequestView request, Rejection reason, Answer answer) {
        audit.write("webhook rejected", "policy", policy.name(), "scope", policy.scope(),
                "route", request.route(), "method", request.method(),
                "address", policy.clientAddress(request), "scheme", settings.scheme(),
                "reason", reason, "status", answer.status());
        return WebhookOutcome.rejected(reason, answer);
    }
}
