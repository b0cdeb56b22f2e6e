package dev.ratelimit.jaxrs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import javax.ws.rs.Consumes;
import javax.ws.rs.FormParam;
import javax.ws.rs.POST;
import javax.ws.rs.Path;
import javax.ws.rs.ServiceUnavailableException;
import javax.ws.rs.core.Application;
import javax.ws.rs.core.MediaType;
import javax.ws.rs.core.MultivaluedMap;

/** The webhook resources and applications the tests deploy; secrets are named, never written here. */
final class WebhookApplications {

    /** The system property holding GitHub's documented example secret while the tests run. */
    static final String GITHUB_PROPERTY = "test.jaxrs.webhook.github-secret";
    /** The system property the named policy {@code stripe} reads its secret from. */
    static final String STRIPE_PROPERTY = "test.jaxrs.webhook.stripe-secret";
    /** A system property no test sets. */
    static final String UNSET_PROPERTY = "test.jaxrs.webhook.unset";

    private WebhookApplications() {
    }

    /** Both annotations on the class, so every method verifies, then counts in one webhook policy each. */
    @Path("/github")
    @RateLimited(scope = "webhook", limits = "5/1h")
    @WebhookSignature(scheme = "github", secretProperty = GITHUB_PROPERTY, maxBody = "1KiB", badSignatureLimits = "10/1m")
    public static class GitHub {
        @POST
        public String text(String payload) {
            return payload;
        }

        @POST
        @Path("bytes")
        public String bytes(byte[] payload) {
            return new String(payload, StandardCharsets.UTF_8);
        }

        @POST
        @Path("stream")
        public String stream(InputStream payload) throws IOException {
            return new String(payload.readAllBytes(), StandardCharsets.UTF_8);
        }

        @POST
        @Path("form")
        @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
        public String form(MultivaluedMap<String, String> form) {
            return "a=" + form.getFirst("a") + " b=" + form.get("b");
        }

        /** Fails as an application does while its database is down: the runtime maps the exception to 503. */
        @POST
        @Path("unavailable")
        public String unavailable(String payload) {
            throw new ServiceUnavailableException();
        }

        @POST
        @Path("form-params")
        @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
        public String formParams(@FormParam("a") String a, @FormParam("b") List<String> b) {
            return "a=" + a + " b=" + b;
        }
    }

    /** Everything from the named policy {@code ratelimit.policy.stripe.*}, webhook params included. */
    @Path("/stripe")
    public static class Stripe {
        @POST
        @RateLimited(policy = "stripe")
        public String receive(String payload) {
            return payload;
        }
    }

    /** Remembers accepted signatures for an hour instead of the tolerance. */
    @Path("/long-memory")
    public static class LongMemory {
        @POST
        @RateLimited(scope = "webhook", limits = "5/1h")
        @WebhookSignature(scheme = "github", secretProperty = GITHUB_PROPERTY, replayWindow = "1h")
        public String receive(String payload) {
            return payload;
        }
    }

    public static class Webhooks extends Application {
        @Override
        public Set<Class<?>> getClasses() {
            return new HashSet<>(Arrays.asList(RateLimitFeature.class, GitHub.class, Stripe.class, LongMemory.class));
        }
    }

    @Path("/bad")
    public static class BadTolerance {
        @POST
        @RateLimited(scope = "webhook", limits = "5/1m")
        @WebhookSignature(scheme = "github", secretProperty = GITHUB_PROPERTY, tolerance = "soon")
        public String receive(String payload) {
            return payload;
        }
    }

    @Path("/bad")
    public static class NoSecret {
        @POST
        @RateLimited(scope = "webhook", limits = "5/1m")
        @WebhookSignature(scheme = "github")
        public String receive(String payload) {
            return payload;
        }
    }

    @Path("/bad")
    public static class UnsetSecret {
        @POST
        @RateLimited(scope = "webhook", limits = "5/1m")
        @WebhookSignature(scheme = "github", secretProperty = UNSET_PROPERTY)
        public String receive(String payload) {
            return payload;
        }
    }

    @Path("/bad")
    public static class NoScheme {
        @POST
        @RateLimited(scope = "webhook", limits = "5/1m")
        public String receive(String payload) {
            return payload;
        }
    }

    @Path("/bad")
    public static class NotWebhookScope {
        @POST
        @RateLimited(limits = "5/1m")
        @WebhookSignature(scheme = "github", secretProperty = GITHUB_PROPERTY)
        public String receive(String payload) {
            return payload;
        }
    }

    @Path("/bad")
    public static class NotLimited {
        @POST
        @WebhookSignature(scheme = "github", secretProperty = GITHUB_PROPERTY)
        public String receive(String payload) {
            return payload;
        }
    }

    @Path("/bad")
    public static class GenericOnlyAttribute {
        @POST
        @RateLimited(scope = "webhook", limits = "5/1m")
        @WebhookSignature(scheme = "stripe", secretProperty = GITHUB_PROPERTY, encoding = "base64")
        public String receive(String payload) {
            return payload;
        }
    }

    /** An application of one resource class and the feature. */
    abstract static class Only extends Application {
        private final Class<?> resource;

        Only(Class<?> resource) {
            this.resource = resource;
        }

        @Override
        public Set<Class<?>> getClasses() {
            return new HashSet<>(Arrays.asList(RateLimitFeature.class, resource));
        }
    }

    public static class BadToleranceApp extends Only {
        public BadToleranceApp() {
            super(BadTolerance.class);
        }
    }

    public static class NoSecretApp extends Only {
        public NoSecretApp() {
            super(NoSecret.class);
        }
    }

    public static class UnsetSecretApp extends Only {
        public UnsetSecretApp() {
            super(UnsetSecret.class);
        }
    }

    public static class NoSchemeApp extends Only {
        public NoSchemeApp() {
            super(NoScheme.class);
        }
    }

    public static class NotWebhookScopeApp extends Only {
        public NotWebhookScopeApp() {
            super(NotWebhookScope.class);
        }
    }

    public static class NotLimitedApp extends Only {
        public NotLimitedApp() {
            super(NotLimited.class);
        }
    }

    public static class GenericOnlyAttributeApp extends Only {
        public GenericOnlyAttributeApp() {
            super(GenericOnlyAttribute.class);
        }
    }
}
