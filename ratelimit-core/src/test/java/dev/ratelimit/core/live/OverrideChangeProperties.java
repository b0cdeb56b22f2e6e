package dev.ratelimit.core.live;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.WithNull;

/** A change record survives the store whatever its names and values hold (tabs, line breaks, percent signs). */
class OverrideChangeProperties {

    @Property
    void a_record_reads_back_as_the_change_it_was(@ForAll OverrideChange.Action action, @ForAll String policy,
                                                   @ForAll @WithNull String identity, @ForAll @WithNull String value,
                                                   @ForAll String origin, @ForAll @WithNull String principal) {
        policy = policy.isEmpty() ? "p" : policy;
        origin = origin.isEmpty() ? "o" : origin;
        identity = "".equals(identity) ? null : identity;
        value = "".equals(value) ? null : value;
        principal = "".equals(principal) ? null : principal;
        OverrideChange change = new OverrideChange(action, policy, identity, value, origin, principal);
        String record = change.record();
        assertThat(record).doesNotContain("\n", "\r").hasLineCount(1);
        OverrideChange read = OverrideChange.parse(record);
        assertThat(read.action()).isEqualTo(action);
        assertThat(read.policy()).isEqualTo(policy);
        assertThat(read.identity()).isEqualTo(identity);
        assertThat(read.value()).isEqualTo(value);
        assertThat(read.origin()).isEqualTo(origin);
        assertThat(read.principal()).isEqualTo(principal);
    }
}
