package dev.ratelimit.jaxrs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The webhook contract on Jersey 2 (javax), the runtime a Tomcat application bundles. */
class JerseyWebhookTest extends WebhookSignatureContract {

    @Override
    JaxrsRuntime runtime() {
        return JaxrsRuntime.JERSEY;
    }

    @Test
    void form_params_are_parsed_from_the_verified_body() {
        assertThat(formParamsOfAVerifiedPost()).isEqualTo("a=1 b=[x y, é]");
    }
}
