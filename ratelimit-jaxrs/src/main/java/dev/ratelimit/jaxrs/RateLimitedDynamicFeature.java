package dev.ratelimit.jaxrs;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import javax.servlet.ServletContext;
import javax.servlet.http.HttpServletRequest;
import javax.ws.rs.container.DynamicFeature;
import javax.ws.rs.container.ResourceInfo;
import javax.ws.rs.core.Context;
import javax.ws.rs.core.FeatureContext;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ratelimit.core.Algorithm;
import dev.ratelimit.core.ConcurrencyGate;
import dev.ratelimit.core.KeyLayout;
import dev.ratelimit.core.app.ParameterNames;
import dev.ratelimit.core.Policy;
import dev.ratelimit.core.RateLimiter;

/**
 * Binds one {@link RateLimitRequestFilter} to each resource method that carries {@link RateLimited}
 * (its own, else its class's) and reads the annotations then, so a bad value fails the deployment.
 * A {@link WebhookSignature} (the method's, else its class's) goes to the filter of the method's
 * webhook-scope policy, which verifies before it limits. A method with a concurrency policy also gets
 * {@link PermitWriterInterceptor}, which gives its permits back once the entity is written. Registered
 * by {@link RateLimitFeature}; not meant to be registered alone.
 */
public final class RateLimitedDynamicFeature implements DynamicFeature {

    private static final Logger LOG = LoggerFactory.getLogger(RateLimitedDynamicFeature.class);

    @Context
    private ServletContext servletContext;
    @Context
    private HttpServletRequest servletRequest;

    private final RateLimitResponseFilter responseFilter = new RateLimitResponseFilter();
    private final PermitWriterInterceptor permitWriter = new PermitWriterInterceptor();
    private ApplicationLimits application;
    private ContextParams contextParams;

    @Override
    public void configure(ResourceInfo resource, FeatureContext context) {
        Method method = resource.getResourceMethod();
        Class<?> resourceClass = resource.getResourceClass();
        if (method == null || resourceClass == null) {
            return;
        }
        RateLimited[] annotations = method.getAnnotationsByType(RateLimited.class);
        if (annotations.length == 0) {
            annotations = resourceClass.getAnnotationsByType(RateLimited.class);
        }
        WebhookSignature signature = method.getAnnotation(WebhookSignature.class);
        if (signature == null) {
            signature = resourceClass.getAnnotation(WebhookSignature.class);
        }
        String where = resourceClass.getSimpleName() + "#" + method.getName();
        if (annotations.length == 0) {
            if (signature != null) {
                throw new IllegalArgumentException(nothingToVerify(where));
            }
            return;
        }
        String route = RouteTemplates.of(resourceClass, method);
        List<AnnotationPolicy> policies = new ArrayList<>(annotations.length);
        for (RateLimited annotation : annotations) {
            policies.add(new AnnotationPolicy(annotation, signature, contextParams(), where));
        }
        checkIndependent(policies, where);
        AnnotationPolicy verified = webhookPolicy(policies, signature, where);
        List<RateLimiter> limiters = new ArrayList<>(policies.size());
        List<ConcurrencyGate> gates = new ArrayList<>(1);
        JaxrsWebhookCheck webhook = null;
        for (AnnotationPolicy policy : policies) {
            if (policy.policy.algorithm() == Algorithm.CONCURRENCY) {
                gates.add(application().gate(policy));
                LOG.info("Concurrency limit on {} route={}: {}", where, route, policy.policy.describe());
                continue;
            }
            RateLimiter limiter = application().limiter(policy);
            limiters.add(limiter);
            if (policy == verified) {
                webhook = application().webhookCheck(policy.webhook, limiter);
            }
            LOG.info("Rate limit on {} route={}: {}", where, route,
                    policy.policy.describe() + (policy.webhook == null ? "" : " " + policy.webhook.describe()));
        }
        context.register(new RateLimitRequestFilter(limiters, gates, route, servletRequest, webhook), RateLimitFeature.PRIORITY);
        context.register(responseFilter, RateLimitFeature.PRIORITY);
        if (!gates.isEmpty()) {
            context.register(permitWriter, PermitWriterInterceptor.PRIORITY);
        }
    }

    /** The one policy that verifies webhooks, or null; a {@link WebhookSignature} needs exactly one. */
    private static AnnotationPolicy webhookPolicy(List<AnnotationPolicy> policies, WebhookSignature signature,
                                                  String where) {
        AnnotationPolicy found = null;
        for (AnnotationPolicy read : policies) {
            if (read.webhook == null) {
                continue;
            }
            if (found != null) {
                throw new IllegalArgumentException("@RateLimited on " + where + ": two annotations have scope 'webhook',"
                        + " but a request is verified once: give the webhook policy all its limits (e.g. limits ="
                        + " \"10/1s, 100/1h\") and the others another scope");
            }
            found = read;
        }
        if (found == null && signature != null) {
            throw new IllegalArgumentException(nothingToVerify(where));
        }
        return found;
    }

    /** Verification silently off would be worse than a failed deployment. */
    private static String nothingToVerify(String where) {
        return "@WebhookSignature on " + where + ": no @RateLimited of this method has scope 'webhook', so nothing"
                + " would be verified: add @RateLimited(scope = \"webhook\", limits = ...), or set scope 'webhook'"
                + " in its named policy";
    }

    /**
     * Two annotations of one method counting in the same Redis key would corrupt each other's counts;
     * their key layouts tell whether any request would ({@link KeyLayout#collisionSignatures}).
     */
    private static void checkIndependent(List<AnnotationPolicy> policies, String where) {
        Set<String> signatures = new HashSet<>();
        for (AnnotationPolicy read : policies) {
            Policy p = read.policy;
            List<String> own = p.keyLayout().collisionSignatures();
            for (int i = 0; i < own.size(); i++) {
                if (!signatures.add(own.get(i))) {
                    throw new IllegalArgumentException("@RateLimited on " + where + ": two annotations count with scope '"
                            + p.scope() + "' and a " + p.limits().get(i) + " window in the same Redis key (key "
                            + p.keyParts() + "; the order of key parts does not matter, and user or header parts count"
                            + " a request without them by its address): give one another scope, key, policy or"
                            + " counter, or merge them into one annotation's limits");
                }
            }
        }
    }

    private synchronized ContextParams contextParams() {
        if (contextParams == null) {
            ServletContext context = usable(servletContext);
            if (context != null) {
                ParameterNames.checkContextParams(Collections.list(context.getInitParameterNames()));
            }
            contextParams = new ContextParams(context);
        }
        return contextParams;
    }

    private synchronized ApplicationLimits application() {
        if (application == null) {
            ServletContext injected = usable(servletContext);
            RateLimitCleanupListener.Open open = injected == null ? null : RateLimitCleanupListener.find(injected);
            if (open != null) {
                application = new ApplicationLimits(open.context);
                open.add(application);
            } else {
                application = new ApplicationLimits(injected);
                LOG.warn("No {} in this web application (container initializers off?, or no Servlet container):"
                        + " the rate limits' Redis clients stay open after it stops, and a concurrency permit of a"
                        + " request ended by an exception no ExceptionMapper handles is never given back; declare"
                        + " the listener in web.xml", RateLimitCleanupListener.class.getName());
            }
        }
        return application;
    }

    /** The injected context, or null when the runtime has none to give (not in a Servlet container). */
    private static ServletContext usable(ServletContext injected) {
        if (injected == null) {
            return null;
        }
        try {
            injected.getMajorVersion(); // RESTEasy injects a proxy, which throws when it has nothing behind it
            return injected;
        } catch (RuntimeException e) {
            return null;
        }
    }
}
