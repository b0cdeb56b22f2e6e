package dev.ratelimit.servlet;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;

import dev.ratelimit.core.KeyLayout;
import dev.ratelimit.core.KeyPart;
import dev.ratelimit.core.Policy;
import dev.ratelimit.core.PolicyOverride;
import dev.ratelimit.core.RateLimiter;
import dev.ratelimit.core.RecentHeavyHitters;
import dev.ratelimit.core.app.ApplicationRuntime;
import dev.ratelimit.core.management.RateLimitControl;
import dev.ratelimit.core.metrics.MetricNames;

/**
 * The HTML of the status page: policies with their limits and live rates, Redis health, operator
 * overrides and the most denied identities, with action forms for those who may act. Every value
 * printed goes through {@link Html#escape}; identities are shown as {@link KeyLayout#readable} writes
 * them (escaped for a log line first). No script: the only style is one inline block, allowed by its hash.
 */
final class StatusPage {

    /** Identities listed per policy. */
    static final int TOP_IDENTITIES = 10;

    static final String STYLE = "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fff}"
            + "h1{font-size:1.4em;margin:0 0 .2em}h2{font-size:1.1em;margin:1.6em 0 .4em}"
            + "table{border-collapse:collapse;margin:.3em 0}th,td{border:1px solid #ccc;padding:.25em .5em;"
            + "text-align:left;vertical-align:middle}th{background:#f3f3f3}td.num{text-align:right;"
            + "font-variant-numeric:tabular-nums}.meta{color:#666}.up{color:#1e7e34;font-weight:bold}"
            + ".down{color:#b21f2d;font-weight:bold}.notice{padding:.5em;border:1px solid #1e7e34;background:#eaf6ec}"
            + ".error{padding:.5em;border:1px solid #b21f2d;background:#fbeaea}form{display:inline;margin:0}"
            + "code{font:13px ui-monospace,monospace}td code,button{white-space:nowrap}";

    /** The Content-Security-Policy: nothing but this page's own style block and its own forms. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; style-src '" + sha256(STYLE)
            + "'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private final StringBuilder out = new StringBuilder(16 * 1024);

    /** Who is looking, and what they may do. */
    static final class Viewer {
        final String description;
        /** The action token of the signed-in role holder, or null: read-only. */
        final String token;
        /** A role may be signed in with (offer the link), or null. */
        final String role;

        Viewer(String description, String token, String role) {
            this.description = description;
            this.token = token;
            this.role = role;
        }

        boolean mayAct() {
            return token != null;
        }
    }

    /**
     * @param runtime    the application's, or null before any limiter started
     * @param formAction where forms post: the page's own path
     * @param notice     the outcome of an action just taken, or null
     * @param refresh    seconds between reloads, or 0
     */
    static String render(String application, ApplicationRuntime runtime, Viewer viewer, String formAction,
                         String notice, boolean noticeIsError, int refresh) {
        return new StatusPage().page(application, runtime, viewer, formAction, notice, noticeIsError, refresh);
    }

    private String page(String application, ApplicationRuntime runtime, Viewer viewer, String formAction,
                        String notice, boolean noticeIsError, int refresh) {
        out.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        if (refresh > 0) {
            out.append("<meta http-equiv=\"refresh\" content=\"").append(refresh).append("\">");
        }
        out.append("<title>Rate limits: ").append(Html.escape(application)).append("</title><style>")
                .append(STYLE).append("</style></head><body>\n");
        out.append("<h1>Rate limits of <code>").append(Html.escape(application)).append("</code></h1>\n<p class=\"meta\">")
                .append(Html.escape(Instant.now().truncatedTo(ChronoUnit.SECONDS))).append(" · this instance · ")
                .append(Html.escape(viewer.description));
        if (!viewer.mayAct() && viewer.role != null) {
            out.append(" · <a href=\"").append(Html.escape(formAction)).append("?login\">sign in as ")
                    .append(Html.escape(viewer.role)).append(" to act</a>");
        }
        out.append(" · <a href=\"").append(Html.escape(formAction)).append("?refresh=10\">reload every 10 s</a></p>\n");
        if (notice != null) {
            out.append("<p id=\"notice\" class=\"").append(noticeIsError ? "error" : "notice").append("\">")
                    .append(Html.escape(notice)).append("</p>\n");
        }
        if (runtime == null) {
            out.append("<p id=\"not-started\">No rate limiter has started in this application yet (containers that start"
                    + " filters lazily start them with their first request).</p>\n</body></html>\n");
            return out.toString();
        }
        RateLimitControl control = runtime.control();
        Map<String, List<RateLimiter>> policies = new LinkedHashMap<>();
        for (RateLimiter limiter : control.limiters()) {
            policies.computeIfAbsent(limiter.policy().name(), name -> new ArrayList<>()).add(limiter);
        }
        policies(policies, runtime.metrics().registry(), viewer, formAction);
        redis(control);
        overrides(control);
        topIdentities(policies, viewer, formAction);
        out.append("<p class=\"meta\">Rates are the policies' one-minute moving averages. Top identities are this"
                + " instance's denials (dry-run included) in the current minute and the 14 before, at most "
                + RecentHeavyHitters.DEFAULT_COUNTERS + " identities kept per minute: a count is an upper bound;"
                + " 'at least' is what is certain.</p>\n</body></html>\n");
        return out.toString();
    }

    private void policies(Map<String, List<RateLimiter>> policies, MetricRegistry registry, Viewer viewer, String formAction) {
        out.append("<h2>Policies</h2>\n");
        if (policies.isEmpty()) {
            out.append("<p>No policy is registered.</p>\n");
            return;
        }
        out.append("<table id=\"policies\"><tr><th>policy</th><th>limits</th><th>algorithm</th><th>key</th>"
                + "<th>failure mode</th><th>dry-run</th><th>allowed/s</th><th>denied/s</th><th>dry-run denied/s</th>"
                + "<th>denials per minute, 15 min</th>");
        if (viewer.mayAct()) {
            out.append("<th>action</th>");
        }
        out.append("</tr>\n");
        for (Map.Entry<String, List<RateLimiter>> e : policies.entrySet()) {
            String name = e.getKey();
            RateLimiter first = e.getValue().get(0);
            Policy policy = first.policy();
            Policy configured = first.configuredPolicy();
            PolicyOverride override = first.currentOverride();
            out.append("<tr data-policy=\"").append(Html.escape(name)).append("\"><td><code>").append(Html.escape(name))
                    .append("</code></td><td>").append(Html.escape(limits(policy)));
            if (override.limits() != null) {
                out.append(" <span class=\"meta\">(configured ").append(Html.escape(limits(configured))).append(")</span>");
            }
            out.append("</td><td>").append(Html.escape(policy.algorithm())).append("</td><td>")
                    .append(Html.escape(keyParts(policy))).append("</td><td>").append(Html.escape(policy.failureMode()))
                    .append("</td><td class=\"dry-run\">").append(policy.dryRun() ? "on" : "off");
            if (override.dryRun() != null) {
                out.append(" <span class=\"meta\">(configured ").append(configured.dryRun() ? "on" : "off").append(")</span>");
            }
            out.append("</td>");
            rate(registry, name, MetricNames.ALLOWED);
            rate(registry, name, MetricNames.DENIED);
            rate(registry, name, MetricNames.DRY_RUN_DENIED);
            out.append("<td>");
            sparkline(denied(e.getValue()).perBucket());
            out.append("</td>");
            if (viewer.mayAct()) {
                out.append("<td>");
                form(formAction, viewer, "dry-run", name, "enabled", policy.dryRun() ? "false" : "true",
                        policy.dryRun() ? "Dry-run off" : "Dry-run on");
                out.append("</td>");
            }
            out.append("</tr>\n");
        }
        out.append("</table>\n");
    }

    private void rate(MetricRegistry registry, String policy, String metric) {
        Meter meter = registry.getMeters().get(MetricNames.policy(policy, metric));
        out.append("<td class=\"num\">")
                .append(meter == null ? "-" : String.format(Locale.ROOT, "%.2f", meter.getOneMinuteRate())).append("</td>");
    }

    /** Bars of denials per minute, oldest left; each with its count as a tooltip. */
    private void sparkline(long[] perMinute) {
        long max = 1;
        for (long n : perMinute) {
            max = Math.max(max, n);
        }
        int barWidth = 8;
        int height = 28;
        int width = perMinute.length * (barWidth + 2);
        out.append("<svg class=\"spark\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width)
                .append("\" height=\"").append(height + 2).append("\" role=\"img\" aria-label=\"denials per minute\">");
        out.append("<line x1=\"0\" y1=\"").append(height + 1).append("\" x2=\"").append(width).append("\" y2=\"")
                .append(height + 1).append("\" stroke=\"#999\"/>");
        for (int i = 0; i < perMinute.length; i++) {
            long n = perMinute[i];
            long h = n == 0 ? 0 : Math.max(1, n * height / max);
            int ago = perMinute.length - 1 - i;
            out.append("<rect x=\"").append(i * (barWidth + 2)).append("\" y=\"").append(height + 1 - h)
                    .append("\" width=\"").append(barWidth).append("\" height=\"").append(h)
                    .append("\" fill=\"#c0392b\"><title>").append(n).append(" denied, ")
                    .append(ago == 0 ? "this minute" : ago + " min ago").append("</title></rect>");
        }
        out.append("</svg>");
    }

    private void redis(RateLimitControl control) {
        out.append("<h2>Redis</h2>\n");
        String[] health = control.getStoreHealth();
        if (health.length == 0) {
            out.append("<p id=\"redis\">No Redis client: every policy counts in this instance's memory.</p>\n");
            return;
        }
        out.append("<table id=\"redis\"><tr><th>state</th><th>PING, breaker and client</th></tr>\n");
        for (String line : health) {
            boolean up = line.startsWith("UP");
            int space = line.indexOf(' ');
            out.append("<tr><td class=\"").append(up ? "up" : "down").append("\">").append(up ? "UP" : "DOWN")
                    .append("</td><td><code>").append(Html.escape(space < 0 ? line : line.substring(space + 1)))
                    .append("</code></td></tr>\n");
        }
        out.append("</table>\n");
    }

    private void overrides(RateLimitControl control) {
        out.append("<h2>Active overrides</h2>\n");
        String[] overrides = control.getOverrides();
        if (overrides.length == 0) {
            out.append("<p id=\"overrides\">None: every policy runs as configured.</p>\n");
            return;
        }
        out.append("<ul id=\"overrides\">");
        for (String line : overrides) {
            out.append("<li><code>").append(Html.escape(line)).append("</code></li>");
        }
        out.append("</ul>\n");
    }

    private void topIdentities(Map<String, List<RateLimiter>> policies, Viewer viewer, String formAction) {
        out.append("<h2>Top limited identities, last 15 minutes</h2>\n<table id=\"top-identities\"><tr><th>policy</th>"
                + "<th>identity</th><th>denials</th>");
        if (viewer.mayAct()) {
            out.append("<th>action</th>");
        }
        out.append("</tr>\n");
        boolean any = false;
        for (Map.Entry<String, List<RateLimiter>> e : policies.entrySet()) {
            for (RecentHeavyHitters.Estimate hitter : denied(e.getValue()).top(TOP_IDENTITIES)) {
                any = true;
                out.append("<tr><td><code>").append(Html.escape(e.getKey())).append("</code></td><td class=\"identity\"><code>")
                        .append(Html.escape(KeyLayout.readable(hitter.item()))).append("</code></td><td class=\"num\">")
                        .append(hitter.count());
                if (hitter.guaranteed() < hitter.count()) {
                    out.append(" <span class=\"meta\">(at least ").append(hitter.guaranteed()).append(")</span>");
                }
                out.append("</td>");
                if (viewer.mayAct()) {
                    out.append("<td>");
                    String identity = KeyLayout.resettable(hitter.item());
                    if (identity != null) {
                        form(formAction, viewer, "reset", e.getKey(), "identity", identity, "Reset");
                    }
                    out.append("</td>");
                }
                out.append("</tr>\n");
            }
        }
        if (!any) {
            out.append("<tr><td colspan=\"").append(viewer.mayAct() ? 4 : 3)
                    .append("\">No request was denied in the last 15 minutes.</td></tr>\n");
        }
        out.append("</table>\n");
        if (viewer.mayAct() && !policies.isEmpty()) {
            out.append("<form id=\"reset-form\" method=\"post\" action=\"").append(Html.escape(formAction))
                    .append("\" accept-charset=\"UTF-8\"><input type=\"hidden\" name=\"token\" value=\"")
                    .append(Html.escape(viewer.token)).append("\"><input type=\"hidden\" name=\"action\" value=\"reset\">")
                    .append("Reset the counters of <input name=\"identity\" size=\"28\" placeholder=\"ip=203.0.113.7\"> under <select name=\"policy\">");
            for (String name : policies.keySet()) {
                out.append("<option>").append(Html.escape(name)).append("</option>");
            }
            out.append("</select> <button type=\"submit\">Reset</button></form>\n");
        }
    }

    private void form(String formAction, Viewer viewer, String action, String policy, String field, String value,
                      String label) {
        out.append("<form method=\"post\" action=\"").append(Html.escape(formAction)).append("\" accept-charset=\"UTF-8\">")
                .append("<input type=\"hidden\" name=\"token\" value=\"").append(Html.escape(viewer.token)).append("\">")
                .append("<input type=\"hidden\" name=\"action\" value=\"").append(action).append("\">")
                .append("<input type=\"hidden\" name=\"policy\" value=\"").append(Html.escape(policy)).append("\">")
                .append("<input type=\"hidden\" name=\"").append(field).append("\" value=\"").append(Html.escape(value)).append("\">")
                .append("<button type=\"submit\" class=\"").append(action).append("\">").append(Html.escape(label))
                .append("</button></form>");
    }

    /** The denials of the limiters sharing a policy name, as one summary. */
    private static RecentHeavyHitters.Summary denied(List<RateLimiter> limiters) {
        RecentHeavyHitters.Summary sum = limiters.get(0).deniedIdentities();
        for (int i = 1; i < limiters.size(); i++) {
            sum = sum.plus(limiters.get(i).deniedIdentities());
        }
        return sum;
    }

    private static String limits(Policy policy) {
        StringBuilder text = new StringBuilder();
        policy.limits().forEach(limit -> text.append(text.length() == 0 ? "" : ", ").append(limit));
        return text.toString();
    }

    private static String keyParts(Policy policy) {
        StringBuilder text = new StringBuilder();
        for (KeyPart part : policy.keyParts()) {
            text.append(text.length() == 0 ? "" : ",").append(part);
        }
        return text.toString();
    }

    private static String sha256(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return "sha256-" + Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
