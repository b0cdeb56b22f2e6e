package dev.ratelimit.core.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The policy file's syntax: the plain subset of .properties whose line numbers are exact. */
class PolicyFileTest {

    private static PolicyFile parse(String text) {
        return PolicyFile.parse("/etc/p.properties", text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void reads_entries_by_policy_with_comments_blank_lines_and_both_separators() {
        PolicyFile file = parse("# limits for the partners\n\n! another comment\napi.limits = 200/1m\n"
                + "  api.deny-addresses: 2001:db8::/32, 198.51.100.7\nsearch.algorithm=token-bucket\n"
                + "web.filter.one.dry-run=true\napi.plan.gold.limits=1000/1m\n");
        assertThat(file.values("api")).containsExactly(Map.entry("limits", "200/1m"),
                Map.entry("deny-addresses", "2001:db8::/32, 198.51.100.7"), Map.entry("plan.gold.limits", "1000/1m"));
        assertThat(file.values("search")).containsExactly(Map.entry("algorithm", "token-bucket"));
        assertThat(file.values("web.filter.one")).as("a policy name may hold dots").containsExactly(Map.entry("dry-run", "true"));
        assertThat(file.entries("api").get("deny-addresses").line()).isEqualTo(5);
        assertThat(file.policies()).containsExactly("api", "search", "web.filter.one");
        assertThat(file.hash()).hasSize(12);
    }

    @Test
    void refuses_what_it_would_otherwise_read_wrongly_naming_file_line_and_entry() {
        assertThatThrownBy(() -> parse("api.limits=1/1s\napi.limits=2/1s\n"))
                .hasMessage("Policy file /etc/p.properties line 2 'api.limits=2/1s': 'api.limits' is set on line 1 already");
        assertThatThrownBy(() -> parse("api.route-patterns=/a, \\\n  /b\n")).hasMessageContaining("line 1")
                .hasMessageContaining("continuation lines are not read");
        assertThatThrownBy(() -> parse("api.limits=\n")).hasMessageContaining("an empty value");
        assertThatThrownBy(() -> parse("just some words\n")).hasMessageContaining("line 1 'just%20some%20words'")
                .hasMessageContaining("expected <policy>.<param>=<value>");
        assertThatThrownBy(() -> parse("limits=1/1s\n")).hasMessageContaining("expected <policy>.<param>");
    }

    @Test
    void an_unknown_parameter_gets_the_closest_known_one() {
        assertThatThrownBy(() -> parse("\napi.failure-mod=open\n"))
                .hasMessage("Policy file /etc/p.properties line 2 'api.failure-mod=open': unknown parameter 'failure-mod':"
                        + " did you mean 'failure-mode'?");
        assertThatThrownBy(() -> parse("api.plan.gold.limitz=1/1s\n")).hasMessageContaining("unknown parameter 'plan.gold.limitz': expected plan.<name>.limits");
    }

    @Test
    void policy_name_and_application_wide_parameters_cannot_be_set_in_the_file() {
        assertThatThrownBy(() -> parse("api.policy-name=x\n")).hasMessageContaining("policy-name names the policy");
        assertThatThrownBy(() -> parse("api.metrics-jmx=false\n")).hasMessageContaining("application-wide")
                .hasMessageContaining("ratelimit.metrics-jmx");
    }

    @Test
    void an_entry_for_a_policy_the_application_does_not_declare_is_refused() {
        PolicyFile file = parse("api.limits=1/1s\nserch.limits=2/1s\n");
        assertThatThrownBy(() -> file.checkPolicies(new TreeSet<>(Arrays.asList("api", "search"))))
                .hasMessage("Policy file /etc/p.properties line 2 'serch.limits=2/1s': no policy named 'serch' in this"
                        + " application; known: [api, search]");
    }

    @Test
    void hostile_text_is_escaped_in_messages() {
        assertThatThrownBy(() -> parse("api.x\u001b[31m=1\n")).satisfies(e ->
                assertThat(e.getMessage()).doesNotContain("\u001b"));
    }

    /** Whatever the spacing, separator and comments around them, entries come back as written, on their lines. */
    @Property(tries = 300)
    void reads_back_every_entry_written_with_its_line(@ForAll("files") List<Line> lines) {
        StringBuilder text = new StringBuilder();
        Map<String, Line> expected = new LinkedHashMap<>();
        Map<String, Integer> lineOf = new LinkedHashMap<>();
        int number = 0;
        for (Line line : lines) {
            number++;
            text.append(line.render()).append(line.crlf ? "\r\n" : "\n");
            if (line.policy != null && !expected.containsKey(line.key())) {
                expected.put(line.key(), line);
                lineOf.put(line.key(), number);
            } else if (line.policy != null) {
                return; // a duplicate key: refused, tested above
            }
        }
        PolicyFile file = parse(text.toString());
        Set<String> policies = new TreeSet<>();
        for (Map.Entry<String, Line> e : expected.entrySet()) {
            Line line = e.getValue();
            policies.add(line.policy);
            assertThat(file.values(line.policy)).containsEntry(line.param, line.value);
            assertThat(file.entries(line.policy).get(line.param).line()).isEqualTo(lineOf.get(e.getKey()));
        }
        assertThat(new TreeSet<>(file.policies())).isEqualTo(policies);
    }

    @Provide
    Arbitrary<List<Line>> files() {
        Arbitrary<String> policies = Arbitraries.of("api", "search", "web.api", "OrderResource#find", "p-1_x");
        Arbitrary<String> params = Arbitraries.of("limits", "dry-run", "algorithm", "deny-addresses", "plan.gold.limits",
                "plan.free_2.algorithm", "exclude-paths", "methods");
        Arbitrary<String> values = Arbitraries.strings().withChars("abcXYZ0189/,:=.{}*# ").ofMinLength(1).ofMaxLength(20)
                .filter(v -> !v.trim().isEmpty());
        Arbitrary<Line> entry = Combinators.combine(policies, params, values, Arbitraries.of("=", ":", " = ", " : ", "\t=\t"),
                Arbitraries.of("", "  ", "\t"), Arbitraries.of(true, false))
                .as((p, k, v, sep, indent, crlf) -> new Line(p, k, v.trim(), sep, indent, crlf));
        Arbitrary<Line> other = Arbitraries.of("", "# comment = x", "! note: y", "   ")
                .map(t -> new Line(null, null, t, null, "", false));
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(4, entry), net.jqwik.api.Tuple.of(1, other))
                .list().ofMaxSize(12);
    }

    static final class Line {
        final String policy;
        final String param;
        final String value;
        final String separator;
        final String indent;
        final boolean crlf;

        Line(String policy, String param, String value, String separator, String indent, boolean crlf) {
            this.policy = policy;
            this.param = param;
            this.value = value;
            this.separator = separator;
            this.indent = indent;
            this.crlf = crlf;
        }

        String key() {
            return policy + "." + param;
        }

        String render() {
            return policy == null ? value : indent + key() + separator + value + indent;
        }

        @Override
        public String toString() {
            return render();
        }
    }

    @Test
    void the_sample_file_in_etc_reads_and_builds_every_policy_it_names() throws Exception {
        byte[] sample = java.nio.file.Files.readAllBytes(java.nio.file.Paths.get("..", "etc", "ratelimit-policies.properties"));
        PolicyFile file = PolicyFile.parse("etc/ratelimit-policies.properties", sample);
        assertThat(file.policies()).containsExactly("api-limit", "orders-write", "search");
        for (String policy : file.policies()) {
            Map<String, String> webXml = Map.of("limits", "10/1m", "key", "user");
            dev.ratelimit.core.Policy built = dev.ratelimit.core.PolicyParams.read(
                    file.over(policy, new dev.ratelimit.core.ConfigParams(webXml::get, webXml::keySet)), policy);
            assertThat(built.name()).isEqualTo(policy);
        }
    }

    @Test
    void keys_split_at_the_parameter_or_the_plan_parameter() {
        List<String[]> splits = new ArrayList<>();
        for (String key : Arrays.asList("api.limits", "a.b.limits", "api.plan.gold.limits", "plan.gold.limits")) {
            splits.add(ParameterNames.splitPolicyKey(key));
        }
        assertThat(splits.get(0)).containsExactly("api", "limits");
        assertThat(splits.get(1)).containsExactly("a.b", "limits");
        assertThat(splits.get(2)).containsExactly("api", "plan.gold.limits");
        assertThat(splits.get(3)).isNull();
    }
}
