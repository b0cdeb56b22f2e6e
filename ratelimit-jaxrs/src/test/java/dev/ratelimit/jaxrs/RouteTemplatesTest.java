package dev.ratelimit.jaxrs;

import static org.assertj.core.api.Assertions.assertThat;

import javax.ws.rs.GET;
import javax.ws.rs.Path;

import org.junit.jupiter.api.Test;

class RouteTemplatesTest {

    @Path("orders/")
    static class Orders {
        @GET
        @Path("/{id: [0-9]{1,9}}/lines/{ line }")
        public void line() {
        }

        @GET
        public void list() {
        }
    }

    static class NoPath {
        @GET
        public void get() {
        }
    }

    @Test
    void joins_class_and_method_paths_and_drops_regular_expressions() throws Exception {
        assertThat(RouteTemplates.of(Orders.class, Orders.class.getMethod("line"))).isEqualTo("/orders/{id}/lines/{line}");
        assertThat(RouteTemplates.of(Orders.class, Orders.class.getMethod("list"))).isEqualTo("/orders");
        assertThat(RouteTemplates.of(NoPath.class, NoPath.class.getMethod("get"))).isEqualTo("/");
    }
}
