package dev.ratelimit.servlet;

import java.io.IOException;

import javax.servlet.Filter;
import javax.servlet.FilterChain;
import javax.servlet.ServletException;
import javax.servlet.ServletRequest;
import javax.servlet.ServletResponse;
import javax.servlet.http.HttpServletRequest;

/**
 * Stands for an application's own authentication code, which knows the caller's plan and sets the request
 * attribute {@code dev.ratelimit.plan} before the rate-limit filter (here from a test header: a real
 * application takes it from its user store, never from what the client says).
 */
public class PlanFromHeaderFilter implements Filter {

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        String plan = ((HttpServletRequest) request).getHeader("X-Test-Plan");
        if (plan != null) {
            request.setAttribute("dev.ratelimit.plan", plan);
        }
        chain.doFilter(request, response);
    }
}
