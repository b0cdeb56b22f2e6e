package dev.ratelimit.servlet;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import javax.servlet.ServletConfig;
import javax.servlet.ServletException;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import dev.ratelimit.core.LoopbackAddress;
import dev.ratelimit.core.StoreUnavailableException;
import dev.ratelimit.core.app.ApplicationRuntime;
import dev.ratelimit.core.management.RateLimitControl;
import dev.ratelimit.core.metrics.JmxNames;

/**
 * A status page for the people on call: one HTML page (no script) with each policy's limits and live
 * allowed/denied rates, a chart of denials per minute, Redis health and breaker state per client, the
 * operators' overrides in force, and the identities this instance turned away most in the last 15
 * minutes. Role holders also get two actions, each a POST form with a token and each written to the
 * audit log ({@code dev.ratelimit.audit}): reset an identity's counters, and dry-run on or off.
 *
 * <p>Who sees what:
 * <ul>
 * <li>a request from loopback ({@code getRemoteAddr()} is {@code 127.0.0.0/8} or {@code ::1}: the
 *     connection's address, never {@code X-Forwarded-For} or {@code Forwarded}) may read, unless
 *     {@code loopback} is {@code false};
 * <li>a user in the role named by {@code role} ({@code isUserInRole}) may read and act; a request from
 *     elsewhere without a user is asked to sign in ({@code authenticate()}: the application's
 *     {@code login-config}, e.g. BASIC), and {@code ?login} asks the same from loopback;
 * <li>anyone else gets 403, and so does an action without the role or without a valid token.
 * </ul>
 * Loopback alone never acts: behind a reverse proxy on the same host every request comes from loopback.
 * For the same reason, set {@code loopback} to {@code false} there.
 *
 * <table>
 * <caption>init-params</caption>
 * <tr><th>param</th><th>meaning</th><th>default</th></tr>
 * <tr><td>role</td><td>the role whose users may read from anywhere and act</td><td>none: loopback only, read-only</td></tr>
 * <tr><td>loopback</td><td>{@code true} or {@code false}: whether loopback may read without the role</td><td>true</td></tr>
 * </table>
 *
 * <pre>{@code
 * <servlet>
 *   <servlet-name>ratelimit-status</servlet-name>
 *   <servlet-class>dev.ratelimit.servlet.RateLimitStatusServlet</servlet-class>
 *   <init-param><param-name>role</param-name><param-value>ratelimit-admin</param-value></init-param>
 *   <load-on-startup>1</load-on-startup>
 * </servlet>
 * <servlet-mapping>
 *   <servlet-name>ratelimit-status</servlet-name>
 *   <url-pattern>/ratelimit/status</url-pattern>
 * </servlet-mapping>
 * }</pre>
 */
public class RateLimitStatusServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    public static final String PARAM_ROLE = "role";
    public static final String PARAM_LOOPBACK = "loopback";
    /** Every init-param the servlet reads. */
    public static final List<String> PARAMS = Collections.unmodifiableList(Arrays.asList(PARAM_ROLE, PARAM_LOOPBACK));

    /** Shortest and longest {@code ?refresh=} interval, seconds. */
    static final int MIN_REFRESH = 5;
    static final int MAX_REFRESH = 3600;

    private String role;
    private boolean loopback;
    private transient ActionTokens tokens;

    @Override
    public void init(ServletConfig config) throws ServletException {
        super.init(config);
        String name = config.getServletName();
        for (String param : Collections.list(config.getInitParameterNames())) {
            if (!PARAMS.contains(param)) {
                throw new ServletException("Rate-limit status servlet '" + name + "': unknown init-param '" + param
                        + "'; accepted: " + String.join(", ", PARAMS));
            }
        }
        String roleValue = config.getInitParameter(PARAM_ROLE);
        if (roleValue != null && roleValue.trim().isEmpty()) {
            throw new ServletException("Rate-limit status servlet '" + name + "': init-param 'role' is empty;"
                    + " give a role name, e.g. ratelimit-admin, or leave the param out (loopback only, read-only)");
        }
        role = roleValue == null ? null : roleValue.trim();
        String loopbackValue = config.getInitParameter(PARAM_LOOPBACK);
        if (loopbackValue == null || loopbackValue.trim().equals("true")) {
            loopback = true;
        } else if (loopbackValue.trim().equals("false")) {
            loopback = false;
        } else {
            throw new ServletException("Rate-limit status servlet '" + name + "': init-param 'loopback' is '"
                    + loopbackValue + "'; accepted: true, false");
        }
        if (!loopback && role == null) {
            throw new ServletException("Rate-limit status servlet '" + name + "': with 'loopback' false nobody could"
                    + " see the page; also give 'role'");
        }
        tokens = new ActionTokens();
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        boolean login = request.getParameter("login") != null;
        StatusPage.Viewer viewer = admit(request, response, login);
        if (viewer == null) {
            return;
        }
        int refresh = 0;
        String refreshParam = request.getParameter("refresh");
        if (refreshParam != null) {
            refresh = refreshSeconds(refreshParam);
            if (refresh < 0) {
                refuse(response, HttpServletResponse.SC_BAD_REQUEST, "refresh must be a whole number of seconds from "
                        + MIN_REFRESH + " to " + MAX_REFRESH);
                return;
            }
        }
        page(request, response, viewer, null, false, refresh);
    }

    /** The actions: {@code action=reset} with {@code policy} and {@code identity}; {@code action=dry-run} with {@code policy} and {@code enabled}. */
    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        request.setCharacterEncoding("UTF-8");
        // Only a role holder acts: a post without a user is asked to sign in, even from loopback.
        StatusPage.Viewer viewer = admit(request, response, true);
        if (viewer == null) {
            return;
        }
        ApplicationRuntime runtime = runtime();
        String action = request.getParameter("action");
        String policy = request.getParameter("policy");
        if (!viewer.mayAct()) {
            forbidden(runtime, request, action, policy, "not in the role");
            refuse(response, HttpServletResponse.SC_FORBIDDEN, "Only users in the role "
                    + (role == null ? "(none configured)" : "'" + role + "'") + " may act.");
            return;
        }
        if (!tokens.isValid(request.getRemoteUser(), tokenFromBody(request))) {
            forbidden(runtime, request, action, policy, "no valid token");
            refuse(response, HttpServletResponse.SC_FORBIDDEN, "The form's token is missing or stale: reload the page and try again.");
            return;
        }
        if (runtime == null) {
            refuse(response, HttpServletResponse.SC_CONFLICT, "No rate limiter has started yet: nothing to act on.");
            return;
        }
        RateLimitControl control = runtime.control();
        String result;
        try {
            if ("reset".equals(action)) {
                String identity = request.getParameter("identity");
                result = control.resetIdentity(policy, identity == null ? null : identity.trim());
            } else if ("dry-run".equals(action)) {
                result = control.setDryRun(policy, parseEnabled(request.getParameter("enabled")));
            } else {
                throw new IllegalArgumentException("unknown action '" + action + "'; accepted: reset, dry-run");
            }
        } catch (IllegalArgumentException | IllegalStateException | StoreUnavailableException e) {
            // IllegalStateException: the control could not store a live override (dry-run) in Redis; nothing changed.
            runtime.audit().writeAction("status-page-action-failed", "action", action, "policy", policy,
                    "user", request.getRemoteUser(), "address", request.getRemoteAddr(), "reason", e.getMessage());
            response.setStatus(e instanceof IllegalArgumentException
                    ? HttpServletResponse.SC_BAD_REQUEST : HttpServletResponse.SC_SERVICE_UNAVAILABLE);
            page(request, response, viewer, e.getMessage(), true, 0);
            return;
        }
        runtime.audit().writeAction("status-page-action", "action", action, "policy", policy,
                "identity", request.getParameter("identity"), "enabled", request.getParameter("enabled"),
                "user", request.getRemoteUser(), "address", request.getRemoteAddr(), "result", result);
        page(request, response, viewer, result, false, 0);
    }

    /**
     * Who the request is, or null when it was answered already (403, or the container's sign-in challenge).
     *
     * @param login sign in even from loopback
     */
    private StatusPage.Viewer admit(HttpServletRequest request, HttpServletResponse response, boolean login)
            throws IOException {
        if (role != null && request.isUserInRole(role)) {
            return roleHolder(request);
        }
        boolean fromLoopback = LoopbackAddress.is(request.getRemoteAddr());
        // Credentials sent along (a browser repeats BASIC ones after the first sign-in) are checked even from
        // loopback: the container does not look at them on a path without a security constraint.
        boolean signIn = role != null && request.getUserPrincipal() == null
                && (login || !(loopback && fromLoopback) || request.getHeader("Authorization") != null);
        if (signIn) {
            if (!authenticated(request, response)) {
                return null;
            }
            if (request.isUserInRole(role)) {
                return roleHolder(request);
            }
        }
        if (loopback && fromLoopback) {
            String who = request.getRemoteUser() == null ? "loopback" : "loopback, signed in as " + request.getRemoteUser();
            return new StatusPage.Viewer(who + ": read-only", null, role);
        }
        refuse(response, HttpServletResponse.SC_FORBIDDEN, role == null
                ? "The rate-limit status page answers loopback only."
                : "The rate-limit status page answers loopback and users in the role '" + role + "' only.");
        return null;
    }

    /** A refused action, on the bounded audit path: anyone can send these, so they must not fill the disk. */
    private static void forbidden(ApplicationRuntime runtime, HttpServletRequest request, String action, String policy,
                                  String reason) {
        if (runtime != null) {
            runtime.audit().write("status-page-action-forbidden", "action", action, "policy", policy,
                    "user", request.getRemoteUser(), "address", request.getRemoteAddr(), "reason", reason);
        }
    }

    private StatusPage.Viewer roleHolder(HttpServletRequest request) {
        String user = request.getRemoteUser();
        return new StatusPage.Viewer("signed in as " + user + " (" + role + ")", tokens.tokenFor(user), role);
    }

    /** The container's sign-in: false when it answered (a 401 challenge, or 403 without any sign-in configured). */
    private static boolean authenticated(HttpServletRequest request, HttpServletResponse response) throws IOException {
        try {
            return request.authenticate(response);
        } catch (ServletException | RuntimeException e) {
            // No login-config (or a container without one): nobody can sign in, so it stays 403 below.
            return true;
        }
    }

    private ApplicationRuntime runtime() {
        return (ApplicationRuntime) getServletContext().getAttribute(ApplicationRuntime.ATTRIBUTE);
    }

    private void page(HttpServletRequest request, HttpServletResponse response, StatusPage.Viewer viewer, String notice,
                      boolean noticeIsError, int refresh) throws IOException {
        String application = JmxNames.applicationName(getServletContext().getContextPath());
        String html = StatusPage.render(application, runtime(), viewer, request.getRequestURI(), notice, noticeIsError, refresh);
        headers(response);
        response.setContentType("text/html;charset=UTF-8");
        PrintWriter writer = response.getWriter();
        writer.write(html);
        writer.flush();
    }

    private static void refuse(HttpServletResponse response, int status, String message) throws IOException {
        response.setStatus(status);
        headers(response);
        response.setContentType("text/plain;charset=UTF-8");
        response.getWriter().write(message + "\n");
    }

    private static void headers(HttpServletResponse response) {
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("X-Frame-Options", "DENY");
        response.setHeader("Referrer-Policy", "no-referrer");
        response.setHeader("Content-Security-Policy", StatusPage.CONTENT_SECURITY_POLICY);
    }

    /** The seconds of {@code ?refresh=}, or -1 when it is not a whole number in range. */
    static int refreshSeconds(String text) {
        if (text.isEmpty() || text.length() > 4) {
            return -1;
        }
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return -1;
            }
        }
        int seconds = Integer.parseInt(text);
        return seconds < MIN_REFRESH || seconds > MAX_REFRESH ? -1 : seconds;
    }

    private static boolean parseEnabled(String text) {
        if ("true".equals(text)) {
            return true;
        }
        if ("false".equals(text)) {
            return false;
        }
        throw new IllegalArgumentException("enabled must be true or false, was '" + text + "'");
    }

    /** The form's token, from the POST body only: one in the address would reach access logs and Referer headers. */
    private static String tokenFromBody(HttpServletRequest request) {
        String query = request.getQueryString();
        if (query != null) {
            for (String pair : query.split("&")) {
                if (pair.equals("token") || pair.startsWith("token=")) {
                    return null;
                }
            }
        }
        return request.getParameter("token");
    }
}
