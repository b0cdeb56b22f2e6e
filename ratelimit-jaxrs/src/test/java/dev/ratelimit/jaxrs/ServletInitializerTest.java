package dev.ratelimit.jaxrs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ServiceLoader;

import javax.servlet.ServletContainerInitializer;

import org.junit.jupiter.api.Test;

class ServletInitializerTest {

    @Test
    void containers_find_the_initializer_that_closes_redis_clients_at_undeploy() {
        assertThat(ServiceLoader.load(ServletContainerInitializer.class))
                .anyMatch(initializer -> initializer instanceof RateLimitServletInitializer);
    }
}
