package dev.ratelimit.jaxrs;

import java.util.Map;

import javax.ws.rs.container.ContainerRequestContext;
import javax.ws.rs.container.ContainerResponseContext;
import javax.ws.rs.container.ContainerResponseFilter;

import dev.ratelimit.core.Answer;

/**
 * Adds the headers of the answer {@link RateLimitRequestFilter} chose, to the resource's response and to
 * its refusals alike (JAX-RS runs response filters on aborted requests too). When the
 * response to an accepted webhook delivery is a 5xx (an exception mapped to a response included), the
 * delivery is forgotten, so the sender's retry with the same signature is not refused as a replay.
 * The request's concurrency permits are given back here when the response has no entity; else
 * {@link PermitWriterInterceptor} gives them back once the entity is written.
 */
final class RateLimitResponseFilter implements ContainerResponseFilter {

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        if (!response.hasEntity()) {
            // Nothing to write, so no writer interceptor will give the permits back (one with an entity does).
            HeldPermits.releaseAll(request.getProperty(HeldPermits.PROPERTY));
        }
        Object answer = request.getProperty(RateLimitRequestFilter.ANSWER_PROPERTY);
        if (answer instanceof Answer) {
            for (Map.Entry<String, String> header : ((Answer) answer).headers().entrySet()) {
                response.getHeaders().putSingle(header.getKey(), header.getValue());
            }
        }
        Object delivery = request.getProperty(RateLimitRequestFilter.DELIVERY_PROPERTY);
        if (delivery instanceof RateLimitRequestFilter.Delivery && response.getStatus() >= 500) {
            ((RateLimitRequestFilter.Delivery) delivery).forget();
        }
    }
}
