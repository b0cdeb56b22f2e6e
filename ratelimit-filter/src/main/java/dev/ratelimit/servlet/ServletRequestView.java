package dev.ratelimit.servlet;

import java.security.Principal;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

import javax.servlet.http.HttpServletRequest;

import dev.ratelimit.core.RequestView;

/** The engine's view of a Servlet request. */
final class ServletRequestView implements RequestView {

    private final HttpServletRequest request;

    ServletRequestView(HttpServletRequest request) {
        this.request = request;
    }

    @Override
    public String remoteAddress() {
        return request.getRemoteAddr();
    }

    @Override
    public String method() {
        return request.getMethod();
    }

    /** The path inside the application, decoded and normalized by the container, without query string. */
    @Override
    public String route() {
        String servletPath = request.getServletPath();
        String pathInfo = request.getPathInfo();
        String path = (servletPath == null ? "" : servletPath) + (pathInfo == null ? "" : pathInfo);
        return path.isEmpty() ? "/" : path;
    }

    @Override
    public String header(String name) {
        return request.getHeader(name);
    }

    @Override
    public List<String> headers(String name) {
        Enumeration<String> lines = request.getHeaders(name);
        return lines == null ? Collections.<String>emptyList() : Collections.list(lines);
    }

    @Override
    public String user() {
        String user = request.getRemoteUser();
        if (user == null) {
            Principal principal = request.getUserPrincipal();
            user = principal == null ? null : principal.getName();
        }
        return user;
    }

    @Override
    public Object attribute(String name) {
        return request.getAttribute(name);
    }
}
