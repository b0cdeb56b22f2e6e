package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;

import dev.ratelimit.core.app.ParameterNames;
import dev.ratelimit.core.redis.RedisParams;
import dev.ratelimit.core.webhook.WebhookParams;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Whatever text an operator (or a generated web.xml) puts in any parameter, reading it either works or
 * throws {@link ConfigurationException} naming that parameter: never a NumberFormatException, an
 * overflow, a regex error or anything else that would reach the log as a stack trace without saying
 * which value was wrong.
 */
class ParameterParsingProperties {

    private static final String SECRET_PROPERTY = "test.parsing.webhook-secret";

    @Property(tries = 3_000)
    void every_parameter_either_parses_or_names_itself(@ForAll("names") String name, @ForAll("values") String value) {
        System.setProperty(SECRET_PROPERTY, "s3cret");
        Map<String, String> given = new HashMap<>();
        given.put(PolicyParams.LIMITS, "10/1s, 100/1h");
        given.put(PolicyParams.SCOPE, WebhookParams.WEBHOOK_SCOPE);
        given.put(WebhookParams.SCHEME, "github");
        given.put(WebhookParams.SECRET_PROPERTY, SECRET_PROPERTY);
        given.put(name, value);
        ConfigParams params = new ConfigParams(given::get);
        try {
            Policy policy = PolicyParams.read(params, "p", "app");
            RedisParams.read(params, env -> value);
            WebhookParams.read(params, policy.scope());
        } catch (ConfigurationException e) {
            assertThat(e.getMessage()).as("message of %s", e).contains("'");
        }
    }

    @Provide
    Arbitrary<String> names() {
        return Arbitraries.of(ParameterNames.ALL);
    }

    /** Random text, and text made of the pieces valid values are made of, so the parsers' deeper branches run. */
    @Provide
    Arbitrary<String> values() {
        Arbitrary<String> pieces = Arbitraries.of("10", "0", "-1", "/", "1m", "s", "ms", "h", "d", "999999999999999999999",
                "1000000000", "366d", "367d", ",", ", ", " ", "::1", "10.0.0.0/8", "/129", "redis://", "rediss://", "@",
                ":", "%", "%zz", "+", "{context}", "{", "}", "true", "TRUE", "ip", "header:", "route", "KiB", "MiB",
                "github", "x", ".", "*", "\u00e9", "\u0000").list().ofMaxSize(8).map(list -> String.join("", list));
        return Arbitraries.oneOf(pieces, Arbitraries.strings().ofMaxLength(40));
    }
}
