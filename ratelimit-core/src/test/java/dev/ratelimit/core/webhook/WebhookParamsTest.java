package dev.ratelimit.core.webhook;

import static dev.ratelimit.core.webhook.Webhooks.map;
import static dev.ratelimit.core.webhook.Webhooks.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.ratelimit.core.ConfigParams;
import dev.ratelimit.core.ConfigurationException;

/** One test per configuration rule, each checking that the message names the parameter, the value and the rule. */
class WebhookParamsTest {

    private static final Map<String, String> ENV = map("SECRET", "s3cr3t", "OLD", "old-secret");

    @Test
    void defaults_are_five_minutes_one_mib_twenty_per_minute_and_replay_protection_on() {
        WebhookSettings settings = settings(map("webhook-scheme", "github", "webhook-secret-env", "SECRET"), ENV);
        assertThat(settings.toleranceMillis()).isEqualTo(300_000);
        assertThat(settings.maxBodyBytes()).isEqualTo(1_048_576);
        assertThat(settings.badSignatureLimits()).hasToString("[20/1m]");
        assertThat(settings.replayProtection()).isTrue();
        assertThat(settings.replayWindowMillis()).as("the tolerance").isEqualTo(300_000);
        assertThat(settings.header()).isEqualTo("X-Hub-Signature-256");
        assertThat(settings.describe())
                .contains("webhook-scheme=github", "secrets=[environment variable SECRET]", "max-body=1MiB")
                .doesNotContain("s3cr3t");
    }

    @Test
    void the_replay_window_defaults_to_the_tolerance_and_may_be_set_apart() {
        assertThat(settings(map("webhook-scheme", "github", "webhook-secret-env", "SECRET", "webhook-tolerance", "10m"),
                ENV).replayWindowMillis()).isEqualTo(600_000);
        WebhookSettings set = settings(map("webhook-scheme", "github", "webhook-secret-env", "SECRET",
                "webhook-replay-window", "1h"), ENV);
        assertThat(set.replayWindowMillis()).isEqualTo(3_600_000);
        assertThat(set.toleranceMillis()).isEqualTo(300_000);
        assertThat(set.describe()).contains("replay-window=1h");
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "webhook-scheme|gitlab|'github', 'stripe' or 'generic'",
            "webhook-tolerance|soon|a whole number followed by ms, s, m, h or d",
            "webhook-tolerance|10ms|from 1s to 1d",
            "webhook-max-body|1MB|a whole number of bytes, optionally followed by B, KiB or MiB",
            "webhook-max-body|0|from 1B to 64MiB",
            "webhook-max-body|65MiB|from 1B to 64MiB",
            "webhook-bad-signature-limits|many|one or more comma-separated N/duration",
            "webhook-replay-protection|yes|'true' or 'false'",
            "webhook-replay-window|forever|a whole number followed by ms, s, m, h or d",
            "webhook-replay-window|500ms|from 1s to 1d",
            "webhook-replay-window|2d|from 1s to 1d",
            "webhook-header|X-Other|only with webhook-scheme 'generic' (the github scheme fixes it)",
            "webhook-encoding|base64|only with webhook-scheme 'generic'",
    })
    void rejects_a_bad_value_naming_param_value_and_rule(String param, String value, String accepted) {
        Map<String, String> params = map("webhook-scheme", "github", "webhook-secret-env", "SECRET");
        params.put(param, value);
        assertThatThrownBy(() -> settings(params, ENV))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("Invalid value '" + value + "' for parameter '" + param + "': ")
                .hasMessageContaining(accepted)
                .extracting(e -> ((ConfigurationException) e).parameter()).isEqualTo(param);
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "webhook-encoding|base32|'hex' or 'base64'",
            "webhook-algorithm|hmac-sha1|'hmac-sha256' or 'hmac-sha512'",
            "webhook-header|X Sig|an HTTP header name, required with webhook-scheme 'generic'",
            "webhook-timestamp-header|X:T|an HTTP header name",
    })
    void rejects_bad_generic_values(String param, String value, String accepted) {
        Map<String, String> params = map("webhook-scheme", "generic", "webhook-secret-env", "SECRET", "webhook-header", "X-Sig");
        params.put(param, value);
        assertThatThrownBy(() -> settings(params, ENV))
                .hasMessageStartingWith("Invalid value '" + value + "' for parameter '" + param + "': ")
                .hasMessageContaining(accepted);
    }

    @Test
    void requires_a_scheme_with_scope_webhook() {
        assertThatThrownBy(() -> settings(map("webhook-secret-env", "SECRET"), ENV))
                .hasMessage("Invalid value (not set) for parameter 'webhook-scheme': 'github', 'stripe' or 'generic'"
                        + " (required with scope 'webhook')");
    }

    @Test
    void requires_a_header_for_the_generic_scheme() {
        assertThatThrownBy(() -> settings(map("webhook-scheme", "generic", "webhook-secret-env", "SECRET"), ENV))
                .hasMessageStartingWith("Invalid value (not set) for parameter 'webhook-header': ");
    }

    @Test
    void requires_a_secret_naming_the_missing_param() {
        assertThatThrownBy(() -> settings(map("webhook-scheme", "stripe"), ENV))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("Invalid value (not set) for parameter 'webhook-secret-env': a webhook-scope filter"
                        + " needs its secret")
                .hasMessageContaining("webhook-secret-property", "webhook-secret-file", "never the secret itself");
    }

    @Test
    void fails_when_no_named_place_holds_a_secret() {
        assertThatThrownBy(() -> settings(map("webhook-scheme", "stripe", "webhook-secret-env", "NOPE, EMPTY"),
                map("EMPTY", "  ")))
                .hasMessage("Invalid value 'NOPE, EMPTY' for parameter 'webhook-secret-env': names that hold a secret,"
                        + " but none does (environment variable NOPE, environment variable EMPTY not set or empty)");
    }

    @Test
    void reads_secrets_from_env_property_and_file_for_rotation(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("webhook.secret");
        Files.write(file, "from-file\n".getBytes(StandardCharsets.UTF_8));
        Map<String, String> params = map("webhook-scheme", "github", "webhook-secret-env", "SECRET, OLD, GONE",
                "webhook-secret-property", "webhook.secret", "webhook-secret-file", file.toString());
        WebhookSettings settings = WebhookParams.read(new ConfigParams(params::get), "webhook", ENV::get,
                name -> name.equals("webhook.secret") ? "from-property" : null);
        assertThat(settings.keys()).hasSize(4);
        assertThat(settings.keys().get(3).getEncoded()).as("trimmed").isEqualTo("from-file".getBytes(StandardCharsets.UTF_8));
        assertThat(settings.describe()).contains("environment variable SECRET", "environment variable OLD",
                "system property webhook.secret", "file " + file).doesNotContain("GONE");
    }

    @Test
    void reads_nothing_for_other_scopes_but_refuses_a_scheme_there() {
        assertThat(WebhookParams.read(new ConfigParams(map("limits", "1/1s")::get), "api")).isNull();
        assertThatThrownBy(() -> WebhookParams.read(new ConfigParams(map("webhook-scheme", "github")::get), "api"))
                .hasMessage("Invalid value 'github' for parameter 'webhook-scheme': only with scope 'webhook' (scope is 'api')");
    }

    @ParameterizedTest
    @CsvSource({"1048576,1048576", "512KiB,524288", "1MiB,1048576", "2 mib,2097152", "100B,100"})
    void accepts_sizes_in_bytes_kib_and_mib(String text, long bytes) {
        assertThat(ByteSizes.parse("webhook-max-body", text, 1, WebhookParams.MAX_MAX_BODY_BYTES)).isEqualTo(bytes);
    }
}
