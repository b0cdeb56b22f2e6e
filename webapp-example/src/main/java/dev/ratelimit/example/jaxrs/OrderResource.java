package dev.ratelimit.example.jaxrs;

import javax.ws.rs.GET;
import javax.ws.rs.Path;
import javax.ws.rs.PathParam;
import javax.ws.rs.Produces;
import javax.ws.rs.core.MediaType;

import dev.ratelimit.jaxrs.RateLimited;

/**
 * {@code /rest/orders}: the class allows 10 per 10 seconds per client; reading one order has its own,
 * tighter limit per client and route, so {@code /orders/1} and {@code /orders/2} share 3 per 10 seconds.
 */
@Path("/orders")
@Produces(MediaType.APPLICATION_JSON)
@RateLimited(limits = "10/10s", scope = "orders")
public class OrderResource {

    @GET
    public String list() {
        return "[{\"id\":1},{\"id\":2}]";
    }

    @GET
    @Path("{id: [0-9]+}")
    @RateLimited(limits = "3/10s", key = "ip,route", scope = "order")
    public String find(@PathParam("id") long id) {
        return "{\"id\":" + id + ",\"route\":\"/orders/{id}\"}";
    }
}
