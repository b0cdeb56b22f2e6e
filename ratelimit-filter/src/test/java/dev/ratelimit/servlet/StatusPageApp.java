package dev.ratelimit.servlet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.catalina.Wrapper;
import org.apache.catalina.authenticator.BasicAuthenticator;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.realm.MemoryRealm;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.LoginConfig;

import dev.ratelimit.core.app.ApplicationRuntime;
import dev.ratelimit.testing.OkServlet;
import dev.ratelimit.testing.TestTomcat;

/**
 * Two applications on a real embedded Tomcat, each with rate-limit filters counting in a real Redis and the
 * status page at {@value #STATUS}: {@code /app} signs users in with BASIC against a Tomcat {@link MemoryRealm}
 * ({@value #ADMIN} holds the role {@value #ROLE}, {@value #VIEWER} does not) and gives the page that role;
 * {@code /plain} has no role: loopback only, read-only, and a filter on {@code /trusting/*} that believes
 * {@code X-Forwarded-For} from every address.
 */
final class StatusPageApp implements AutoCloseable {

    static final String STATUS = "/ratelimit/status";
    static final String ROLE = "ratelimit-admin";
    static final String ADMIN = "ops";
    static final String ADMIN_PASSWORD = "ops-secret";
    static final String VIEWER = "viewer";
    static final String VIEWER_PASSWORD = "viewer-secret";

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    final TestTomcat tomcat = new TestTomcat(Map.of("maxThreads", "32"));
    final StandardContext app;
    final StandardContext plain;

    StatusPageApp(String redisUrl) {
        Path users;
        try {
            users = Files.createTempFile("tomcat-users", ".xml");
            Files.writeString(users, "<tomcat-users>\n"
                    + "  <user username=\"" + ADMIN + "\" password=\"" + ADMIN_PASSWORD + "\" roles=\"" + ROLE + "\"/>\n"
                    + "  <user username=\"" + VIEWER + "\" password=\"" + VIEWER_PASSWORD + "\" roles=\"reader\"/>\n"
                    + "</tomcat-users>\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        app = tomcat.codeContext("/app");
        MemoryRealm realm = new MemoryRealm();
        realm.setPathname(users.toString());
        app.setRealm(realm);
        LoginConfig login = new LoginConfig();
        login.setAuthMethod("BASIC");
        login.setRealmName("ratelimit");
        app.setLoginConfig(login);
        app.addSecurityRole(ROLE);
        app.getPipeline().addValve(new BasicAuthenticator());
        limited(app, redisUrl);
        TestTomcat.addFilter(app, "key-limit", RateLimitFilter.class.getName(), "/keyed/*",
                EmbeddedTomcat.filterParams(redisUrl, "limits", "1/1h", "key", "header:X-Api-Key", "scope", "keyed"));
        status(app, Map.of("role", ROLE));
        tomcat.deploy(app);

        plain = tomcat.codeContext("/plain");
        limited(plain, redisUrl);
        // Its filter believes X-Forwarded-For from anywhere: the page must still not.
        TestTomcat.addFilter(plain, "trusting-limit", RateLimitFilter.class.getName(), "/trusting/*",
                EmbeddedTomcat.filterParams(redisUrl, "limits", "1/1h", "trusted-proxies", "0.0.0.0/0, ::/0",
                        "scope", "trusting"));
        status(plain, Map.of());
        tomcat.deploy(plain);
    }

    /** {@code /api/*}: 2 per hour per client, X-Forwarded-For believed from loopback (so tests can be many clients). */
    private static void limited(StandardContext context, String redisUrl) {
        Tomcat.addServlet(context, "ok", new OkServlet());
        context.addServletMappingDecoded("/", "ok");
        TestTomcat.addFilter(context, "api-limit", RateLimitFilter.class.getName(), "/api/*",
                EmbeddedTomcat.filterParams(redisUrl, "limits", "2/1h", "trusted-proxies", "127.0.0.1, ::1",
                        "key-prefix", "status-test{context}", "metrics-jmx", "false"));
    }

    private static void status(StandardContext context, Map<String, String> initParams) {
        Wrapper wrapper = Tomcat.addServlet(context, "ratelimit-status", RateLimitStatusServlet.class.getName());
        initParams.forEach(wrapper::addInitParameter);
        context.addServletMappingDecoded(STATUS, "ratelimit-status");
    }

    ApplicationRuntime runtime(StandardContext context) {
        return (ApplicationRuntime) context.getServletContext().getAttribute(ApplicationRuntime.ATTRIBUTE);
    }

    int port() {
        return tomcat.port();
    }

    /** This machine's first IPv4 address that is not loopback, to reach Tomcat as a remote client would. */
    static Optional<String> nonLoopbackAddress() {
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nic.isUp() || nic.isLoopback()) {
                    continue;
                }
                for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                    if (address instanceof Inet4Address && !address.isLoopbackAddress()) {
                        return Optional.of(address.getHostAddress());
                    }
                }
            }
        } catch (SocketException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** A request to {@code host} (an address of this machine), headers as name, value pairs. */
    HttpResponse<String> send(String host, String method, String pathAndQuery, String form, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + host + ":" + port() + pathAndQuery))
                .timeout(Duration.ofSeconds(20))
                .method(method, form == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(form, StandardCharsets.UTF_8));
        if (form != null) {
            request.header("Content-Type", "application/x-www-form-urlencoded");
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<String> get(String host, String pathAndQuery, String... headers) {
        return send(host, "GET", pathAndQuery, null, headers);
    }

    static String[] basic(String user, String password) {
        return new String[] {"Authorization", "Basic "
                + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8))};
    }

    /** The action token of a page, or null when it has no form. */
    static String token(String page) {
        Matcher m = Pattern.compile("name=\"token\" value=\"([^\"]+)\"").matcher(page);
        return m.find() ? m.group(1) : null;
    }

    /** {@code n} requests to {@code /api/x} as the client {@code address} (told in X-Forwarded-For from loopback). */
    void requestsFrom(String context, String address, int n) {
        for (int i = 0; i < n; i++) {
            get("127.0.0.1", context + "/api/x", "X-Forwarded-For", address);
        }
    }

    @Override
    public void close() {
        tomcat.close();
    }
}
