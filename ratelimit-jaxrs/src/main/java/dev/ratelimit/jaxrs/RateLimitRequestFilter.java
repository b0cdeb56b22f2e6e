package dev.ratelimit.jaxrs;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

import javax.servlet.http.HttpServletRequest;
import javax.ws.rs.container.ContainerRequestContext;
import javax.ws.rs.container.ContainerRequestFilter;
import javax.ws.rs.core.MediaType;
import javax.ws.rs.core.Response;

import dev.ratelimit.core.Answer;
import dev.ratelimit.core.ConcurrencyGate;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.Permit;
import dev.ratelimit.core.RateLimitResponse;
import dev.ratelimit.core.RateLimiter;
import dev.ratelimit.core.RequestRules;
import dev.ratelimit.core.RequestView;
import dev.ratelimit.core.webhook.WebhookOutcome;

/**
 * Consults the limiters of one resource method, in annotation order; the first that blocks answers
 * the request (later ones are not charged). The binding decision ({@link Decision#binding}) is reported:
 * its headers are left in a request property for {@link RateLimitResponseFilter}. For a method with {@link WebhookSignature}, the signature is verified
 * first, in this same filter: a forged or replayed request is answered before any limiter counts it.
 * Concurrency permits are taken last, and left in a {@link HeldPermits} property until the response is
 * complete.
 */
final class RateLimitRequestFilter implements ContainerRequestFilter {

    /** The {@link Answer} whose headers {@link RateLimitResponseFilter} writes. */
    static final String ANSWER_PROPERTY = RateLimitRequestFilter.class.getName() + ".answer";
    /** The accepted webhook delivery, a {@link Delivery}, for {@link RateLimitResponseFilter} to forget on a 5xx. */
    static final String DELIVERY_PROPERTY = RateLimitRequestFilter.class.getName() + ".delivery";

    private final List<RateLimiter> limiters;
    private final List<ConcurrencyGate> gates;
    private final String route;
    private final HttpServletRequest servletRequest;
    private final JaxrsWebhookCheck webhook;
    private final LongSupplier generation;

    /**
     * @param servletRequest the runtime's proxy to the current Servlet request, or null
     * @param webhook        verifies webhook signatures before the limiters, or null
     * @param generation     the policy file generation in force now (a request is decided by one version)
     */
    RateLimitRequestFilter(List<RateLimiter> limiters, List<ConcurrencyGate> gates, String route,
                           HttpServletRequest servletRequest, JaxrsWebhookCheck webhook, LongSupplier generation) {
        this.generation = generation;
        this.limiters = new ArrayList<>(limiters);
        this.gates = new ArrayList<>(gates);
        this.route = route;
        this.servletRequest = servletRequest;
        this.webhook = webhook;
    }

    @Override
    public void filter(ContainerRequestContext request) throws IOException {
        RequestView view = new JaxrsRequestView(request, route, servletRequest);
        long began = generation.getAsLong();
        // In the Servlet filter's order: deny-addresses, then blocks, before anything is read or counted.
        RequestRules.Verdict[] verdicts = new RequestRules.Verdict[limiters.size()];
        for (int i = 0; i < verdicts.length; i++) {
            RateLimiter limiter = limiters.get(i);
            verdicts[i] = limiter.verdict(view, began);
            if (verdicts[i] == RequestRules.Verdict.DENY) {
                answer(request, RateLimitResponse.accessDenied(limiter.policy(began)));
                return;
            }
        }
        for (RateLimiter limiter : limiters) {
            if (limiter.blocks(view)) {
                // An operator blocked this identity (JMX blockIdentity): 403 before anything is read or counted.
                answer(request, RateLimitResponse.accessDenied(limiter.policy(began)));
                return;
            }
        }
        if (webhook != null) {
            WebhookOutcome outcome = webhook.admit(request, view);
            if (!outcome.isAccepted()) {
                answer(request, outcome.answer());
                return;
            }
            request.setProperty(DELIVERY_PROPERTY, new Delivery(webhook, outcome));
        }
        Decision binding = null;
        for (int i = 0; i < verdicts.length; i++) {
            RateLimiter limiter = limiters.get(i);
            if (verdicts[i] == RequestRules.Verdict.SKIP) {
                continue;
            }
            binding = Decision.binding(binding, limiter.acquire(view, began));
            if (binding.blocks()) {
                forgetDelivery(request);
                break;
            }
        }
        if (binding != null) {
            answer(request, RateLimitResponse.answer(binding));
            if (binding.blocks()) {
                return;
            }
        }
        if (!gates.isEmpty()) {
            takePermits(request, view);
        }
    }

    /**
     * One permit per concurrency policy, after the rate limits let the request through; the first refusal
     * answers and gives back the permits already taken. Their headers are the ones the client sees.
     */
    private void takePermits(ContainerRequestContext request, RequestView view) {
        HeldPermits permits = new HeldPermits();
        // Before the first permit: whatever happens next, the Servlet request's end finds every permit taken.
        request.setProperty(HeldPermits.PROPERTY, permits);
        for (ConcurrencyGate gate : gates) {
            RequestRules.Verdict verdict = gate.verdict(view);
            if (verdict == RequestRules.Verdict.DENY) {
                permits.releaseAll();
                answer(request, RateLimitResponse.accessDenied(gate.policy()));
                return;
            }
            if (verdict == RequestRules.Verdict.SKIP) {
                continue;
            }
            Permit permit = gate.acquire(view);
            Answer answer = RateLimitResponse.answer(permit.decision(), gate.policy());
            if (answer.refuses()) {
                permits.releaseAll();
                answer(request, answer);
                return;
            }
            permits.add(permit);
            request.setProperty(ANSWER_PROPERTY, answer);
        }
    }

    /** A delivery refused before the resource saw it: the sender's retry of it is no replay. */
    private static void forgetDelivery(ContainerRequestContext request) {
        Object delivery = request.getProperty(DELIVERY_PROPERTY);
        if (delivery != null) {
            ((Delivery) delivery).forget();
            request.removeProperty(DELIVERY_PROPERTY);
        }
    }

    /**
     * The one place this adapter answers: the headers go in a property for {@link RateLimitResponseFilter}
     * (which JAX-RS runs on aborted requests too), and a refusal aborts the request with its status and body.
     */
    static void answer(ContainerRequestContext request, Answer answer) {
        request.setProperty(ANSWER_PROPERTY, answer);
        if (answer.refuses()) {
            MediaType type = MediaType.valueOf(answer.contentType()).withCharset("UTF-8");
            request.abortWith(Response.status(answer.status()).type(type).entity(answer.body()).build());
        }
    }

    /** An accepted webhook delivery and the check that can forget it, so the sender may retry it. */
    static final class Delivery {
        private final JaxrsWebhookCheck check;
        private final WebhookOutcome outcome;

        Delivery(JaxrsWebhookCheck check, WebhookOutcome outcome) {
            this.check = check;
            this.outcome = outcome;
        }

        void forget() {
            check.forget(outcome);
        }
    }
}
