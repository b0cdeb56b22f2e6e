package dev.ratelimit.example.jaxrs;

import javax.ws.rs.GET;
import javax.ws.rs.Path;
import javax.ws.rs.Produces;
import javax.ws.rs.QueryParam;
import javax.ws.rs.core.MediaType;

import dev.ratelimit.jaxrs.RateLimited;

/**
 * {@code /rest/search}: the named policy {@code search}, whose numbers live in web.xml
 * ({@code ratelimit.policy.search.*}), so operators change them without recompiling.
 */
@Path("/search")
@Produces(MediaType.APPLICATION_JSON)
public class SearchResource {

    @GET
    @RateLimited(policy = "search", key = "ip,route")
    public String search(@QueryParam("q") String q) {
        return "{\"query\":\"" + (q == null ? "" : q.replaceAll("[^A-Za-z0-9 ]", "")) + "\",\"hits\":[]}";
    }
}
