package dev.ratelimit.jaxrs;

import java.util.Map;

import javax.ws.rs.container.ContainerRequestContext;
import javax.ws.rs.container.ContainerResponseContext;
import javax.ws.rs.container.ContainerResponseFilter;

import dev.ratelimit.core.Decision;
import dev.ratelimit.core.RateLimitResponse;

/**
 * Adds the rate-limit headers of the decision {@link RateLimitRequestFilter} made, to the resource's
 * response and to the 429 alike (JAX-RS runs response filters on aborted requests too).
 */
final class RateLimitResponseFilter implements ContainerResponseFilter {

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        Object decision = request.getProperty(RateLimitRequestFilter.DECISION_PROPERTY);
        if (decision instanceof Decision) {
            for (Map.Entry<String, String> header : RateLimitResponse.headers((Decision) decision).entrySet()) {
                response.getHeaders().putSingle(header.getKey(), header.getValue());
            }
        }
    }
}
