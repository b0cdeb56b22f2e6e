package dev.ratelimit.jaxrs;

/** The response formats on RESTEasy 4. */
class RestEasyResponseFormatTest extends ResponseFormatContract {

    @Override
    JaxrsRuntime runtime() {
        return JaxrsRuntime.RESTEASY;
    }
}
