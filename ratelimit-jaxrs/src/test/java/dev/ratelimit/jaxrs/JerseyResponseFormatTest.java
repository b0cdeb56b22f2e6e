package dev.ratelimit.jaxrs;

/** The response formats on Jersey 2. */
class JerseyResponseFormatTest extends ResponseFormatContract {

    @Override
    JaxrsRuntime runtime() {
        return JaxrsRuntime.JERSEY;
    }
}
