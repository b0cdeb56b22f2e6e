package dev.ratelimit.servlet;

import static dev.ratelimit.servlet.StatusPageApp.ADMIN;
import static dev.ratelimit.servlet.StatusPageApp.ADMIN_PASSWORD;
import static dev.ratelimit.servlet.StatusPageApp.STATUS;
import static dev.ratelimit.servlet.StatusPageApp.VIEWER;
import static dev.ratelimit.servlet.StatusPageApp.VIEWER_PASSWORD;
import static dev.ratelimit.servlet.StatusPageApp.basic;
import static dev.ratelimit.servlet.StatusPageApp.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

import dev.ratelimit.core.AuditLog;
import dev.ratelimit.testing.TestRedisExtension;

/**
 * Who may see the status page and who may act on it, over plain HTTP against a real Tomcat (BASIC sign-in
 * against its MemoryRealm) with real Redis: loopback reads, the role reads from anywhere and acts with the
 * page's token; forwarded headers never make a remote client loopback.
 */
class StatusPageAccessTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    private static final ListAppender<ILoggingEvent> AUDIT = new ListAppender<>();
    private static StatusPageApp apps;
    private static Level auditLevel;

    @BeforeAll
    static void start() {
        apps = new StatusPageApp(REDIS.url());
        Logger audit = (Logger) LoggerFactory.getLogger(AuditLog.LOGGER);
        auditLevel = audit.getLevel();
        audit.setLevel(Level.INFO);
        AUDIT.start();
        audit.addAppender(AUDIT);
    }

    @AfterAll
    static void stop() {
        Logger audit = (Logger) LoggerFactory.getLogger(AuditLog.LOGGER);
        audit.detachAppender(AUDIT);
        audit.setLevel(auditLevel);
        apps.close();
    }

    private static String remote() {
        String address = StatusPageApp.nonLoopbackAddress().orElse(null);
        assumeTrue(address != null, "skipped: this machine has no non-loopback IPv4 address to reach Tomcat as a remote client");
        return address;
    }

    private static String form(String... keyValues) {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < keyValues.length; i += 2) {
            body.append(body.length() == 0 ? "" : "&").append(keyValues[i]).append('=')
                    .append(URLEncoder.encode(keyValues[i + 1], StandardCharsets.UTF_8));
        }
        return body.toString();
    }

    @Test
    void loopback_reads_the_page_without_signing_in_and_gets_no_forms() {
        apps.requestsFrom("/plain", "198.51.100.40", 1);
        HttpResponse<String> page = apps.get("127.0.0.1", "/plain" + STATUS);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/html"));
        assertThat(page.body()).contains("<code>api-limit</code>", "2/1h", "loopback: read-only");
        assertThat(token(page.body())).isNull();
        assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(
                csp -> assertThat(csp).contains("default-src 'none'", "form-action 'self'", "frame-ancestors 'none'"));
        assertThat(page.headers().firstValue("X-Frame-Options")).contains("DENY");
        assertThat(page.headers().firstValue("Cache-Control")).contains("no-store");
    }

    @Test
    void a_remote_client_gets_403_without_a_role_configured_whatever_it_forwards() {
        String remote = remote();
        apps.get(remote, "/plain/trusting/x", "X-Forwarded-For", "127.0.0.1");
        assertThat(apps.get(remote, "/plain/trusting/x", "X-Forwarded-For", "127.0.0.1").statusCode())
                .as("the application's filter trusts the header: it counted the client as 127.0.0.1").isEqualTo(429);
        assertThat(apps.get("127.0.0.1", "/plain" + STATUS).body()).contains("<code>ip=127.0.0.1</code>");
        assertThat(apps.get(remote, "/plain" + STATUS).statusCode()).isEqualTo(403);
        assertThat(apps.get(remote, "/plain" + STATUS, "X-Forwarded-For", "127.0.0.1").statusCode()).isEqualTo(403);
        assertThat(apps.get(remote, "/plain" + STATUS, "Forwarded", "for=127.0.0.1").statusCode()).isEqualTo(403);
        assertThat(apps.get(remote, "/plain" + STATUS, "X-Real-IP", "127.0.0.1").statusCode()).isEqualTo(403);
    }

    @Test
    void with_a_role_a_remote_client_is_asked_to_sign_in_and_forwarded_loopback_changes_nothing() {
        String remote = remote();
        HttpResponse<String> challenged = apps.get(remote, "/app" + STATUS, "X-Forwarded-For", "127.0.0.1");
        assertThat(challenged.statusCode()).isEqualTo(401);
        assertThat(challenged.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                v -> assertThat(v).startsWith("Basic"));
        assertThat(challenged.body()).doesNotContain("api-limit");
    }

    @Test
    void a_remote_user_without_the_role_gets_403_and_one_with_it_reads_and_gets_the_forms() {
        String remote = remote();
        assertThat(apps.get(remote, "/app" + STATUS, basic(VIEWER, VIEWER_PASSWORD)).statusCode()).isEqualTo(403);
        assertThat(apps.get(remote, "/app" + STATUS, basic(ADMIN, "wrong")).statusCode()).isEqualTo(401);
        HttpResponse<String> page = apps.get(remote, "/app" + STATUS, basic(ADMIN, ADMIN_PASSWORD));
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("signed in as ops (ratelimit-admin)");
        assertThat(token(page.body())).isNotNull();
    }

    @Test
    void loopback_with_a_role_configured_reads_and_may_ask_to_sign_in() {
        HttpResponse<String> page = apps.get("127.0.0.1", "/app" + STATUS);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(token(page.body())).isNull();
        assertThat(page.body()).contains("?login");
        assertThat(apps.get("127.0.0.1", "/app" + STATUS + "?login").statusCode()).isEqualTo(401);
        assertThat(token(apps.get("127.0.0.1", "/app" + STATUS + "?login", basic(ADMIN, ADMIN_PASSWORD)).body())).isNotNull();
    }

    @Test
    void a_role_holder_resets_a_denied_identity_with_the_token_and_it_is_audited() {
        apps.requestsFrom("/app", "198.51.100.7", 4);
        assertThat(apps.get("127.0.0.1", "/app/api/x", "X-Forwarded-For", "198.51.100.7").statusCode()).isEqualTo(429);
        String page = apps.get("127.0.0.1", "/app" + STATUS, basic(ADMIN, ADMIN_PASSWORD)).body();
        assertThat(page).contains("ip=198.51.100.7");
        AUDIT.list.clear();

        HttpResponse<String> done = apps.send("127.0.0.1", "POST", "/app" + STATUS, form("token", token(page),
                "action", "reset", "policy", "api-limit", "identity", "ip=198.51.100.7"), basic(ADMIN, ADMIN_PASSWORD));
        assertThat(done.statusCode()).isEqualTo(200);
        assertThat(done.body()).contains("api-limit: deleted 1 key(s) of ip=198.51.100.7");
        assertThat(apps.get("127.0.0.1", "/app/api/x", "X-Forwarded-For", "198.51.100.7").statusCode()).isEqualTo(200);
        assertThat(AUDIT.list).extracting(ILoggingEvent::getFormattedMessage).anySatisfy(line -> assertThat(line)
                .startsWith("status-page-action action=reset policy=api-limit identity=ip%3D198.51.100.7 enabled=- user=ops"
                        + " address=127.0.0.1 result=api-limit:%20deleted%201%20key(s)%20of%20ip%3D198.51.100.7%20(version%20")
                .as("the other instances were told to forget their local denials").endsWith("%20on%20every%20instance)"));
    }

    @Test
    void an_action_is_refused_without_the_role_or_without_a_valid_token() {
        apps.requestsFrom("/app", "198.51.100.8", 4);
        String token = token(apps.get("127.0.0.1", "/app" + STATUS, basic(ADMIN, ADMIN_PASSWORD)).body());
        String reset = form("token", token, "action", "reset", "policy", "api-limit", "identity", "ip=198.51.100.8");
        AUDIT.list.clear();

        assertThat(apps.send("127.0.0.1", "POST", "/app" + STATUS, reset).statusCode())
                .as("loopback without a user is asked to sign in").isEqualTo(401);
        assertThat(apps.send("127.0.0.1", "POST", "/app" + STATUS, reset, basic(VIEWER, VIEWER_PASSWORD)).statusCode())
                .as("signed in without the role").isEqualTo(403);
        assertThat(apps.send("127.0.0.1", "POST", "/plain" + STATUS, reset).statusCode())
                .as("no role configured: nobody acts").isEqualTo(403);
        assertThat(apps.send("127.0.0.1", "POST", "/app" + STATUS,
                form("action", "reset", "policy", "api-limit", "identity", "ip=198.51.100.8"), basic(ADMIN, ADMIN_PASSWORD))
                .statusCode()).as("no token").isEqualTo(403);
        assertThat(apps.send("127.0.0.1", "POST", "/app" + STATUS,
                form("token", token.substring(1) + "A", "action", "reset", "policy", "api-limit", "identity", "ip=198.51.100.8"),
                basic(ADMIN, ADMIN_PASSWORD)).statusCode()).as("a forged token").isEqualTo(403);
        // Found by review: the token was also taken from the query string (access logs, Referer).
        assertThat(apps.send("127.0.0.1", "POST", "/app" + STATUS + "?token=" + token,
                form("action", "reset", "policy", "api-limit", "identity", "ip=198.51.100.8"), basic(ADMIN, ADMIN_PASSWORD))
                .statusCode()).as("a token in the address").isEqualTo(403);
        assertThat(apps.send("127.0.0.1", "GET", "/app" + STATUS + "?" + reset, null, basic(ADMIN, ADMIN_PASSWORD))
                .body()).as("a GET never acts").doesNotContain("deleted");

        assertThat(apps.get("127.0.0.1", "/app/api/x", "X-Forwarded-For", "198.51.100.8").statusCode())
                .as("still limited").isEqualTo(429);
        assertThat(AUDIT.list).extracting(ILoggingEvent::getFormattedMessage)
                .filteredOn(line -> line.startsWith("status-page-action-forbidden")).hasSize(5);
    }

    @Test
    void dry_run_is_switched_by_a_role_holder_and_shown_as_an_override() {
        String token = token(apps.get("127.0.0.1", "/app" + STATUS, basic(ADMIN, ADMIN_PASSWORD)).body());
        try {
            HttpResponse<String> on = apps.send("127.0.0.1", "POST", "/app" + STATUS,
                    form("token", token, "action", "dry-run", "policy", "key-limit", "enabled", "true"), basic(ADMIN, ADMIN_PASSWORD));
            assertThat(on.statusCode()).isEqualTo(200);
            assertThat(on.body()).contains("key-limit: dry-run true", "on <span class=\"meta\">(configured off)</span>",
                    "<li><code>key-limit: dry-run=true (configured limits=[1/1h] dry-run=false)</code></li>");
            assertThat(apps.runtime(apps.app).control().getOverrides()).hasSize(1);
        } finally {
            apps.send("127.0.0.1", "POST", "/app" + STATUS,
                    form("token", token, "action", "dry-run", "policy", "key-limit", "enabled", "false"), basic(ADMIN, ADMIN_PASSWORD));
        }
    }

    @Test
    void a_bad_action_is_answered_400_naming_what_is_accepted() {
        String token = token(apps.get("127.0.0.1", "/app" + STATUS, basic(ADMIN, ADMIN_PASSWORD)).body());
        HttpResponse<String> unknownPolicy = apps.send("127.0.0.1", "POST", "/app" + STATUS,
                form("token", token, "action", "reset", "policy", "nope", "identity", "ip=1.2.3.4"), basic(ADMIN, ADMIN_PASSWORD));
        assertThat(unknownPolicy.statusCode()).isEqualTo(400);
        assertThat(unknownPolicy.body()).contains("No policy named &#39;nope&#39;; known: [api-limit, key-limit]");
        HttpResponse<String> badIdentity = apps.send("127.0.0.1", "POST", "/app" + STATUS,
                form("token", token, "action", "reset", "policy", "api-limit", "identity", "<b>"), basic(ADMIN, ADMIN_PASSWORD));
        assertThat(badIdentity.statusCode()).isEqualTo(400);
        assertThat(badIdentity.body()).contains("identity must look like ip=203.0.113.7", "&lt;b&gt;").doesNotContain("<b>");
        HttpResponse<String> badAction = apps.send("127.0.0.1", "POST", "/app" + STATUS,
                form("token", token, "action", "flush"), basic(ADMIN, ADMIN_PASSWORD));
        assertThat(badAction.body()).contains("unknown action &#39;flush&#39;; accepted: reset, dry-run");
        assertThat(apps.get("127.0.0.1", "/app" + STATUS + "?refresh=1").statusCode()).isEqualTo(400);
        assertThat(apps.get("127.0.0.1", "/app" + STATUS + "?refresh=30").body())
                .contains("<meta http-equiv=\"refresh\" content=\"30\">");
    }

    @Test
    void a_hostile_identity_is_shown_escaped_and_bounded() {
        String hostile = "<img src=x onerror=alert(1)>\"'&";
        for (int i = 0; i < 3; i++) {
            apps.get("127.0.0.1", "/app/keyed/x", "X-Api-Key", hostile);
        }
        String page = apps.get("127.0.0.1", "/app" + STATUS).body();
        assertThat(page).doesNotContain("<img").contains("h.x-api-key=&lt;img%20src%3Dx%20onerror%3Dalert(1)&gt;%22%27&amp;</code>");
        String longer = "y".repeat(5_000);
        apps.get("127.0.0.1", "/app/keyed/x", "X-Api-Key", longer);
        apps.get("127.0.0.1", "/app/keyed/x", "X-Api-Key", longer);
        assertThat(apps.get("127.0.0.1", "/app" + STATUS).body()).doesNotContain("yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy")
                .containsPattern("h\\.x-api-key=#[0-9A-F]{32}");
    }
}
