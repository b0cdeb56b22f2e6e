package dev.ratelimit.jaxrs;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import javax.ws.rs.GET;
import javax.ws.rs.POST;
import javax.ws.rs.Path;
import javax.ws.rs.core.Application;

/** Resources answering in the formats of {@code headers} and {@code error-format}, for {@link ResponseFormatContract}. */
final class FormatApplications {

    /** The system property holding GitHub's documented example secret while the tests run. */
    static final String GITHUB_PROPERTY = "test.jaxrs.formats.github-secret";

    private FormatApplications() {
    }

    @Path("/formats")
    public static class Formats {
        static final Semaphore ARRIVED = new Semaphore(0);
        static volatile CountDownLatch open = new CountDownLatch(1);

        /** IETF fields and problem details from the annotation's attributes. */
        @GET
        @Path("ietf")
        @RateLimited(limits = "2/1h, 50/1d", scope = "ietf", headers = "ietf", errorFormat = "problem")
        public String ietf() {
            return "ietf";
        }

        /** A loose limit from the annotation, a tight one from the named policy {@code tight}, which sets its formats. */
        @GET
        @Path("twice")
        @RateLimited(limits = "100/1h", scope = "loose", headers = "ietf")
        @RateLimited(policy = "tight", key = "ip,route")
        public String twice() {
            return "twice";
        }

        /** The named policy {@code down} counts in a Redis nobody listens on, and fails closed. */
        @GET
        @Path("down")
        @RateLimited(policy = "down")
        public String down() {
            return "down";
        }

        @GET
        @Path("concurrent")
        @RateLimited(algorithm = "concurrency", limits = "1/1m", scope = "formats-concurrent", headers = "both",
                errorFormat = "problem")
        public String concurrent() throws InterruptedException {
            ARRIVED.release();
            open.await(30, TimeUnit.SECONDS);
            return "done";
        }
    }

    @Path("/hook")
    @RateLimited(scope = "webhook", limits = "5/1h", errorFormat = "problem")
    @WebhookSignature(scheme = "github", secretProperty = GITHUB_PROPERTY, maxBody = "64", badSignatureLimits = "2/1m")
    public static class Hook {
        @POST
        public String text(String payload) {
            return payload;
        }
    }

    public static class Good extends Application {
        @Override
        public Set<Class<?>> getClasses() {
            return new HashSet<>(Arrays.asList(RateLimitFeature.class, Formats.class, Hook.class));
        }
    }

    @Path("/bad")
    public static class BadHeaders {
        @GET
        @RateLimited(limits = "1/1s", headers = "draft")
        public String get() {
            return "never";
        }
    }

    public static class BadHeadersApplication extends Application {
        @Override
        public Set<Class<?>> getClasses() {
            return new HashSet<>(Arrays.asList(RateLimitFeature.class, BadHeaders.class));
        }
    }
}
