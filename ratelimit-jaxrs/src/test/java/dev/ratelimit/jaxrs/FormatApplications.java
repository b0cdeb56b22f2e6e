package dev.ratelimit.jaxrs;

import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import javax.annotation.Priority;
import javax.ws.rs.GET;
import javax.ws.rs.POST;
import javax.ws.rs.Path;
import javax.ws.rs.container.ContainerRequestContext;
import javax.ws.rs.container.ContainerRequestFilter;
import javax.ws.rs.core.Application;

import dev.ratelimit.core.Answer;
import dev.ratelimit.core.ConfigParams;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.DecisionSource;
import dev.ratelimit.core.Policy;
import dev.ratelimit.core.PolicyParams;
import dev.ratelimit.core.RateLimitResponse;

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

    /** Every refusal core can build, problem format, including {@code ACCESS_DENIED}, which no limiter answers yet. */
    static final Map<String, Answer> ANSWERS = new LinkedHashMap<>();

    static {
        Policy policy = PolicyParams.read(new ConfigParams(Map.of(
                "limits", "5/1m", "headers", "both", "error-format", "problem")::get), "writer");
        ANSWERS.put("ACCESS_DENIED", RateLimitResponse.accessDenied(policy));
        ANSWERS.put("INVALID_SIGNATURE", RateLimitResponse.invalidSignature(policy));
        ANSWERS.put("REPLAYED_WEBHOOK", RateLimitResponse.replayedWebhook(policy));
        ANSWERS.put("PAYLOAD_TOO_LARGE", RateLimitResponse.payloadTooLarge(10, policy));
        ANSWERS.put("RATE_LIMIT_EXCEEDED", RateLimitResponse.answer(
                Decision.denied(5, 0, 0, 9_000, DecisionSource.REDIS).boundBy(0, 9_000).decidedBy(policy)));
        ANSWERS.put("RATE_LIMITER_UNAVAILABLE", RateLimitResponse.answer(
                Decision.denied(0, 0, 0, 1_000, DecisionSource.BYPASS).decidedBy(policy)));
    }

    /** Its requests are answered by {@link AnswerInjection} through the adapter's one answering method. */
    @Path("/answers")
    public static class Answers {
        @GET
        @RateLimited(limits = "1000/1h", scope = "answers", headers = "none")
        public String never() {
            return "the answer was not written";
        }
    }

    /** Before the limiters, answers a request to {@link Answers} with the answer its query names. */
    @Priority(RateLimitFeature.PRIORITY - 1)
    public static class AnswerInjection implements ContainerRequestFilter {
        @Override
        public void filter(ContainerRequestContext request) {
            Answer answer = ANSWERS.get(request.getUriInfo().getRequestUri().getQuery());
            if (answer != null && request.getUriInfo().getPath().endsWith("answers")) {
                RateLimitRequestFilter.answer(request, answer);
            }
        }
    }

    public static class Good extends Application {
        @Override
        public Set<Class<?>> getClasses() {
            return new HashSet<>(Arrays.asList(RateLimitFeature.class, Formats.class, Hook.class, Answers.class,
                    AnswerInjection.class));
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
