package dev.ratelimit.core.webhook;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ratelimit.core.ConfigParams;
import dev.ratelimit.core.ConfigurationException;
import dev.ratelimit.core.Limit;

/**
 * The webhook parameter vocabulary shared by every adapter: reads {@link WebhookSettings} for a policy
 * whose scope is {@value #WEBHOOK_SCOPE}.
 */
public final class WebhookParams {

    /** The scope that turns signature verification on. */
    public static final String WEBHOOK_SCOPE = "webhook";

    public static final String SCHEME = "webhook-scheme";
    public static final String SECRET_ENV = "webhook-secret-env";
    public static final String SECRET_PROPERTY = "webhook-secret-property";
    public static final String SECRET_FILE = "webhook-secret-file";
    public static final String HEADER = "webhook-header";
    public static final String ENCODING = "webhook-encoding";
    public static final String ALGORITHM = "webhook-algorithm";
    public static final String TIMESTAMP_HEADER = "webhook-timestamp-header";
    public static final String TOLERANCE = "webhook-tolerance";
    public static final String MAX_BODY = "webhook-max-body";
    public static final String BAD_SIGNATURE_LIMITS = "webhook-bad-signature-limits";
    public static final String REPLAY_PROTECTION = "webhook-replay-protection";
    public static final String REPLAY_WINDOW = "webhook-replay-window";

    /** Every parameter this class reads. */
    public static final List<String> NAMES = Collections.unmodifiableList(Arrays.asList(
            SCHEME, SECRET_ENV, SECRET_PROPERTY, SECRET_FILE, HEADER, ENCODING, ALGORITHM, TIMESTAMP_HEADER, TOLERANCE,
            MAX_BODY, BAD_SIGNATURE_LIMITS, REPLAY_PROTECTION, REPLAY_WINDOW));

    /** Default {@code webhook-tolerance}: how old a signed timestamp may be, and the default {@code webhook-replay-window}. */
    public static final long DEFAULT_TOLERANCE_MILLIS = 5 * 60_000;
    /** Longest {@code webhook-tolerance} and {@code webhook-replay-window}. */
    public static final long MAX_WINDOW_MILLIS = 24 * 3_600_000L;
    /** Default {@code webhook-max-body}: 1 MiB. */
    public static final long DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
    /** Largest {@code webhook-max-body}: the body is held in memory. */
    public static final long MAX_MAX_BODY_BYTES = 64 * 1024 * 1024;
    /** Default {@code webhook-bad-signature-limits}, per client address. */
    public static final String DEFAULT_BAD_SIGNATURE_LIMITS = "20/1m";

    private static final Logger LOG = LoggerFactory.getLogger(WebhookParams.class);
    private static final String HEADER_NAME = "[A-Za-z0-9!#$%&'*+.^_`|~-]+";

    private WebhookParams() {
    }

    /** @return the settings, or null when the scope is not {@value #WEBHOOK_SCOPE} (no verification) */
    public static WebhookSettings read(ConfigParams params, String scope) {
        return read(params, scope, System::getenv, System::getProperty);
    }

    static WebhookSettings read(ConfigParams params, String scope, Function<String, String> env,
                                Function<String, String> properties) {
        if (!WEBHOOK_SCOPE.equals(scope)) {
            String scheme = params.get(SCHEME);
            if (scheme != null) {
                // Verification silently off would be worse than a failed deployment.
                throw new ConfigurationException(SCHEME, scheme, "only with scope 'webhook' (scope is '" + scope + "')");
            }
            return null;
        }
        WebhookScheme scheme = WebhookScheme.parse(SCHEME, params.get(SCHEME));
        long tolerance = params.getMillis(TOLERANCE, DEFAULT_TOLERANCE_MILLIS, 1000, MAX_WINDOW_MILLIS);
        WebhookSettings.Builder builder = WebhookSettings.builder(scheme)
                .tolerance(tolerance)
                .replayWindow(params.getMillis(REPLAY_WINDOW, tolerance, 1000, MAX_WINDOW_MILLIS))
                .maxBodyBytes(ByteSizes.parse(MAX_BODY, params.get(MAX_BODY, ByteSizes.format(DEFAULT_MAX_BODY_BYTES)),
                        1, MAX_MAX_BODY_BYTES))
                .badSignatureLimits(Limit.parseAll(BAD_SIGNATURE_LIMITS,
                        params.get(BAD_SIGNATURE_LIMITS, DEFAULT_BAD_SIGNATURE_LIMITS)))
                .replayProtection(params.getBoolean(REPLAY_PROTECTION, true));
        if (scheme == WebhookScheme.GENERIC) {
            String header = params.get(HEADER);
            if (header == null || !header.matches(HEADER_NAME)) {
                throw new ConfigurationException(HEADER, header,
                        "an HTTP header name, required with webhook-scheme 'generic', e.g. 'X-Signature'");
            }
            String timestampHeader = params.get(TIMESTAMP_HEADER);
            if (timestampHeader != null && !timestampHeader.matches(HEADER_NAME)) {
                throw new ConfigurationException(TIMESTAMP_HEADER, timestampHeader, "an HTTP header name, e.g. 'X-Timestamp'");
            }
            builder.generic(header,
                    SignatureEncoding.parse(ENCODING, params.get(ENCODING, "hex")),
                    HmacAlgorithm.parse(ALGORITHM, params.get(ALGORITHM, "hmac-sha256")),
                    timestampHeader);
        } else {
            for (String genericOnly : new String[] {HEADER, ENCODING, ALGORITHM, TIMESTAMP_HEADER}) {
                if (params.get(genericOnly) != null) {
                    throw new ConfigurationException(genericOnly, params.get(genericOnly),
                            "only with webhook-scheme 'generic' (the " + scheme + " scheme fixes it)");
                }
            }
        }
        WebhookSecrets secrets = WebhookSecrets.read(params, env, properties);
        List<String> missing = secrets.missing();
        if (!missing.isEmpty()) {
            LOG.warn("Webhook secret source(s) {} hold no secret; verifying with {}", missing, secrets.found());
        }
        return builder.secrets(secrets).build();
    }
}
