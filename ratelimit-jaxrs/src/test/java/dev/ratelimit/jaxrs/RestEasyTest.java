package dev.ratelimit.jaxrs;

/** The contract on RESTEasy 4.7, the runtime WildFly 26 ships. */
class RestEasyTest extends RateLimitedContract {

    @Override
    JaxrsRuntime runtime() {
        return JaxrsRuntime.RESTEASY;
    }
}
