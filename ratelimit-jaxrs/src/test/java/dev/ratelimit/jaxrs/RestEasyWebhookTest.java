package dev.ratelimit.jaxrs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The webhook contract on RESTEasy 4.7, the runtime WildFly 26 ships. */
class RestEasyWebhookTest extends WebhookSignatureContract {

    @Override
    JaxrsRuntime runtime() {
        return JaxrsRuntime.RESTEASY;
    }

    /**
     * Pins the limitation src/docs/jaxrs.md documents: RESTEasy 4 takes a POST's {@code @FormParam}s from
     * the Servlet container's parameters, which cannot parse a body already read for its signature. When
     * this fails, RESTEasy reads them from the entity stream and the documentation should say so.
     */
    @Test
    void form_params_do_not_see_the_verified_body_so_the_form_must_be_taken_as_the_entity() {
        assertThat(formParamsOfAVerifiedPost()).isEqualTo("a=null b=[]");
    }
}
