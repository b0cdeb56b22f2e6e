package dev.ratelimit.jaxrs;

/** The contract on Jersey 2 (javax), the runtime a Tomcat application bundles. */
class JerseyTest extends RateLimitedContract {

    @Override
    JaxrsRuntime runtime() {
        return JaxrsRuntime.JERSEY;
    }
}
