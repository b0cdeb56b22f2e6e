package dev.ratelimit.jaxrs;

import java.security.Principal;
import java.util.Collections;
import java.util.List;

import javax.servlet.http.HttpServletRequest;
import javax.ws.rs.container.ContainerRequestContext;
import javax.ws.rs.core.SecurityContext;

import dev.ratelimit.core.RequestView;

/** The engine's view of a JAX-RS request; the route is the matched resource template. */
final class JaxrsRequestView implements RequestView {

    private final ContainerRequestContext request;
    private final String route;
    private final HttpServletRequest servletRequest;

    /** @param servletRequest the current Servlet request (JAX-RS has no peer address), or null */
    JaxrsRequestView(ContainerRequestContext request, String route, HttpServletRequest servletRequest) {
        this.request = request;
        this.route = route;
        this.servletRequest = servletRequest;
    }

    @Override
    public String remoteAddress() {
        return servletRequest == null ? null : servletRequest.getRemoteAddr();
    }

    @Override
    public String method() {
        return request.getMethod();
    }

    @Override
    public String route() {
        return route;
    }

    @Override
    public String header(String name) {
        return request.getHeaders().getFirst(name);
    }

    @Override
    public List<String> headers(String name) {
        List<String> lines = request.getHeaders().get(name);
        return lines == null ? Collections.<String>emptyList() : lines;
    }

    @Override
    public String user() {
        SecurityContext security = request.getSecurityContext();
        Principal principal = security == null ? null : security.getUserPrincipal();
        return principal == null ? null : principal.getName();
    }

    /** In a Servlet container the request's properties are its Servlet attributes. */
    @Override
    public Object attribute(String name) {
        return request.getProperty(name);
    }
}
