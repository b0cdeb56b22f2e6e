package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.ratelimit.testing.Promtool;

/**
 * etc/prometheus/ratelimit-alerts.yml passes {@code promtool check rules} and its unit tests
 * ({@code promtool test rules ratelimit-alerts.test.yml}: each alert firing and not firing), and each alert's
 * runbook_url names a section of src/docs/runbook.md. The promtool tests are skipped, with the reason printed,
 * where promtool is absent.
 */
class AlertRulesTest {

    private static final Path DIR = Path.of("..", "etc", "prometheus");

    @Test
    void promtool_check_rules_passes() {
        Promtool.Result check = Promtool.run(DIR, null, "check", "rules", "ratelimit-alerts.yml");
        System.out.println(check.output());
        assertThat(check.exitCode()).as(check.output()).isZero();
        assertThat(check.output()).contains("SUCCESS: 7 rules found");
    }

    @Test
    void promtool_unit_tests_of_every_alert_pass() {
        Promtool.Result test = Promtool.run(DIR, null, "test", "rules", "ratelimit-alerts.test.yml");
        System.out.println(test.output());
        assertThat(test.exitCode()).as(test.output()).isZero();
        assertThat(test.output()).contains("SUCCESS");
    }

    @Test
    void every_alert_is_unit_tested_and_its_runbook_url_names_a_section_of_the_runbook() throws Exception {
        String rules = Files.readString(DIR.resolve("ratelimit-alerts.yml"));
        String tests = Files.readString(DIR.resolve("ratelimit-alerts.test.yml"));
        Set<String> anchors = headingAnchors(Files.readString(Path.of("..", "src", "docs", "runbook.md")));

        Set<String> alerts = matches(rules, "- alert: (\\S+)");
        assertThat(alerts).hasSize(7);
        assertThat(matches(tests, "alertname: (\\S+)")).as("alerts with unit tests").isEqualTo(alerts);
        Set<String> urls = matches(rules, "runbook_url: \"src/docs/runbook\\.md#([^\"]+)\"");
        assertThat(urls).as("one runbook section per alert").hasSize(alerts.size());
        assertThat(anchors).containsAll(urls);
    }

    /** GitHub's anchors of the Markdown headings: lower case, spaces to dashes, punctuation dropped. */
    private static Set<String> headingAnchors(String markdown) {
        Set<String> anchors = new TreeSet<>();
        for (String heading : matches(markdown, "(?m)^#{1,6} (.+)$")) {
            anchors.add(heading.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'));
        }
        return anchors;
    }

    private static Set<String> matches(String text, String regex) {
        Set<String> found = new TreeSet<>();
        Matcher m = Pattern.compile(regex).matcher(text);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }
}
