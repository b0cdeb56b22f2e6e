package dev.ratelimit.jaxrs;

import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import javax.annotation.Priority;
import javax.ws.rs.GET;
import javax.ws.rs.Path;
import javax.ws.rs.PathParam;
import javax.ws.rs.Priorities;
import javax.ws.rs.container.AsyncResponse;
import javax.ws.rs.container.ContainerRequestContext;
import javax.ws.rs.container.ContainerRequestFilter;
import javax.ws.rs.container.Suspended;
import javax.ws.rs.core.Application;
import javax.ws.rs.core.Context;
import javax.ws.rs.core.Response;
import javax.ws.rs.core.SecurityContext;
import javax.ws.rs.core.StreamingOutput;
import javax.ws.rs.ext.ExceptionMapper;

/** The resources and applications the tests deploy, each class registered explicitly. */
final class TestApplications {

    private TestApplications() {
    }

    @Path("/orders")
    public static class Orders {
        @GET
        @Path("{id: [0-9]+}")
        @RateLimited(limits = "2/1h", key = "route", scope = "orders")
        public String find(@PathParam("id") String id) {
            return "order " + id;
        }
    }

    @Path("/free")
    public static class Free {
        @GET
        public String get() {
            return "free";
        }
    }

    @Path("/classwide")
    @RateLimited(limits = "3/1h", scope = "classwide")
    public static class ClassWide {
        @GET
        public String inherited() {
            return "class limit";
        }

        @GET
        @Path("own")
        @RateLimited(limits = "1/1h", scope = "own")
        public String own() {
            return "own limit";
        }
    }

    @Path("/me")
    public static class Me {
        @GET
        @RateLimited(limits = "2/1h", key = "user", scope = "user")
        public String me(@Context SecurityContext security) {
            return security.getUserPrincipal() == null ? "anonymous" : security.getUserPrincipal().getName();
        }
    }

    @Path("/twice")
    public static class Twice {
        @GET
        @RateLimited(limits = "2/1h", key = "header:X-Api-Key", scope = "per-key")
        @RateLimited(limits = "3/1h", key = "ip", scope = "per-ip")
        public String get() {
            return "twice";
        }
    }

    @Path("/search")
    public static class Search {
        @GET
        @RateLimited(policy = "search", key = "ip,route")
        public String search() {
            return "found";
        }
    }

    @Path("/sliding")
    public static class Sliding {
        @GET
        @RateLimited(algorithm = "sliding-window", limits = "3/1h", scope = "sliding")
        public String get() {
            return "sliding";
        }
    }

    /** At most 2 requests of a user in flight; each waits for {@link #open} (the test's latch). */
    @Path("/concurrent")
    public static class Concurrent {
        static final Semaphore ARRIVED = new Semaphore(0);
        static volatile CountDownLatch open = new CountDownLatch(1);

        @GET
        @RateLimited(algorithm = "concurrency", limits = "2/1m", key = "user", scope = "concurrent")
        public String held() throws InterruptedException {
            ARRIVED.release();
            open.await(30, TimeUnit.SECONDS);
            return "done";
        }

        @GET
        @Path("fail")
        @RateLimited(algorithm = "concurrency", limits = "2/1m", key = "user", scope = "concurrent")
        public String fail() {
            throw new Refusal();
        }
    }

    /**
     * Methods sharing one budget of 1 permit per user (the named policy {@code held}: its name, not the
     * method, is in the key), so a request to {@code plain} tells whether another method's permit came back.
     */
    @Path("/held")
    public static class Held {
        /** Released once per streaming request whose entity has started to be written. */
        static final Semaphore STREAMING = new Semaphore(0);
        /** The streaming entity writes its end once the test opens it. */
        static volatile CountDownLatch finish = new CountDownLatch(1);

        @GET
        @Path("streaming")
        @RateLimited(policy = "held", algorithm = "concurrency", key = "user", scope = "held")
        public StreamingOutput streaming() {
            return output -> {
                output.write("start ".getBytes(StandardCharsets.UTF_8));
                output.flush();
                STREAMING.release();
                try {
                    finish.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                output.write("end".getBytes(StandardCharsets.UTF_8));
            };
        }

        /** Suspended requests, for the test to resume. */
        static final BlockingQueue<AsyncResponse> SUSPENDED = new LinkedBlockingQueue<>();

        @GET
        @Path("suspended")
        @RateLimited(policy = "held", algorithm = "concurrency", key = "user", scope = "held")
        public void suspended(@Suspended AsyncResponse response) {
            SUSPENDED.add(response);
        }

        @GET
        @Path("plain")
        @RateLimited(policy = "held", algorithm = "concurrency", key = "user", scope = "held")
        public String plain() {
            return "plain";
        }

        /** No entity: 204, and no writer interceptor runs. */
        @GET
        @Path("empty")
        @RateLimited(policy = "held", algorithm = "concurrency", key = "user", scope = "held")
        public void empty() {
        }

        @GET
        @Path("mapped")
        @RateLimited(policy = "held", algorithm = "concurrency", key = "user", scope = "held")
        public String mapped() {
            throw new Refusal();
        }

        /** No mapper handles it: the JAX-RS runtime runs no response filter and the container answers 500. */
        @GET
        @Path("unmapped")
        @RateLimited(policy = "held", algorithm = "concurrency", key = "user", scope = "held")
        public String unmapped() {
            throw new Unmapped();
        }
    }

    static final class Refusal extends RuntimeException {
    }

    static final class Unmapped extends RuntimeException {
        Unmapped() {
            super("thrown on purpose by a test: no ExceptionMapper handles it");
        }
    }

    /** Maps {@link Refusal} to a 418, so a failing resource method still gets a response through the filters. */
    public static class RefusalMapper implements ExceptionMapper<Refusal> {
        @Override
        public Response toResponse(Refusal exception) {
            return Response.status(418).entity("refused").build();
        }
    }

    /** Authenticates whoever names themselves in X-User: enough to show limits see the principal. */
    @Priority(Priorities.AUTHENTICATION)
    public static class HeaderAuthentication implements ContainerRequestFilter {
        @Override
        public void filter(ContainerRequestContext request) {
            String user = request.getHeaderString("X-User");
            if (user == null) {
                return;
            }
            Principal principal = () -> user;
            request.setSecurityContext(new SecurityContext() {
                @Override
                public Principal getUserPrincipal() {
                    return principal;
                }

                @Override
                public boolean isUserInRole(String role) {
                    return false;
                }

                @Override
                public boolean isSecure() {
                    return false;
                }

                @Override
                public String getAuthenticationScheme() {
                    return "X-User";
                }
            });
        }
    }

    private static Set<Class<?>> classes(Class<?>... classes) {
        Set<Class<?>> set = new HashSet<>(Arrays.asList(classes));
        set.add(RateLimitFeature.class);
        return set;
    }

    public static class Good extends Application {
        @Override
        public Set<Class<?>> getClasses() {
            return classes(Orders.class, Free.class, ClassWide.class, Me.class, Twice.class, Search.class,
                    Sliding.class, Concurrent.class, Held.class, RefusalMapper.class, HeaderAuthentication.class);
        }
    }

    /** One limited resource, for redeploy tests. */
    public static class Small extends Application {
        @Override
        public Set<Class<?>> getClasses() {
            return classes(Orders.class);
        }
    }

    @Path("/bad")
    public static class BadLimits {
        @GET
        @RateLimited(limits = "lots")
        public String get() {
            return "never";
        }
    }

    @Path("/bad")
    public static class BadFailureMode {
        @GET
        @RateLimited(limits = "1/1s", failureMode = "sometimes")
        public String get() {
            return "never";
        }
    }

    @Path("/bad")
    @RateLimited(limits = "5/1m", cost = 6)
    public static class BadCost {
        @GET
        public String get() {
            return "never";
        }
    }

    @Path("/bad")
    @RateLimited(limits = "5/30s", algorithm = "concurrency", prefetch = 5)
    public static class ConcurrencyPrefetch {
        @GET
        public String get() {
            return "never";
        }
    }

    @Path("/bad")
    public static class UnknownPolicy {
        @GET
        @RateLimited(policy = "nope")
        public String get() {
            return "never";
        }
    }

    @Path("/bad")
    public static class BrokenPolicy {
        @GET
        @RateLimited(policy = "broken")
        public String get() {
            return "never";
        }
    }

    @Path("/bad")
    public static class SameKeyTwice {
        @GET
        @RateLimited(limits = "5/1m")
        @RateLimited(limits = "10/1m")
        public String get() {
            return "never";
        }
    }

    /** Anonymous users count by address: both would count an anonymous client in one key. */
    @Path("/bad")
    public static class IpAndUser {
        @GET
        @RateLimited(limits = "5/1m", key = "ip")
        @RateLimited(limits = "10/1m", key = "user")
        public String get() {
            return "never";
        }
    }

    @Path("/bad")
    public static class SamePartsReordered {
        @GET
        @RateLimited(limits = "5/1m", key = "ip,route")
        @RateLimited(limits = "10/1m", key = "route,ip")
        public String get() {
            return "never";
        }
    }

    public static class BadLimitsApp extends Application {
        @Override
        public Set<Class<?>> getClasses() {
            return classes(BadLimits.class);
        }
    }

    public static class BadFailureModeApp extends Application {
        @Override
        public Set<Class<?>> getClasses() {
            return classes(BadFailureMode.class);
        }
    }

    public static class BadCostApp extends Application {
        @Override
        public Set<Class<?>> getClasses() {
            return classes(BadCost.class);
        }
    }

    public static class ConcurrencyPrefetchApp extends Application {
        @Override
        public Set<Class<?>> getClasses() {
            return classes(ConcurrencyPrefetch.class);
        }
    }

    public static class UnknownPolicyApp extends Application {
        @Override
        public Set<Class<?>> getClasses() {
            return classes(UnknownPolicy.class);
        }
    }

    public static class BrokenPolicyApp extends Application {
        @Override
        public Set<Class<?>> getClasses() {
            return classes(BrokenPolicy.class);
        }
    }

    public static class SameKeyTwiceApp extends Application {
        @Override
        public Set<Class<?>> getClasses() {
            return classes(SameKeyTwice.class);
        }
    }

    public static class IpAndUserApp extends Application {
        @Override
        public Set<Class<?>> getClasses() {
            return classes(IpAndUser.class);
        }
    }

    public static class SamePartsReorderedApp extends Application {
        @Override
        public Set<Class<?>> getClasses() {
            return classes(SamePartsReordered.class);
        }
    }
}
