package dev.ratelimit.core.webhook;

import java.util.Locale;

import dev.ratelimit.core.ConfigurationException;

/** How a sender signs its webhooks. */
public enum WebhookScheme {

    /** GitHub: {@code X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>}. */
    GITHUB,

    /** Stripe: {@code Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">[,v1=...]}. */
    STRIPE,

    /** A header of our choosing with an HMAC-SHA256 or -512, hex or base64, optionally over "timestamp.body". */
    GENERIC;

    public static final String ACCEPTED = "'github', 'stripe' or 'generic' (required with scope 'webhook')";

    public static WebhookScheme parse(String parameter, String value) {
        if (value == null) {
            throw new ConfigurationException(parameter, null, ACCEPTED);
        }
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(parameter, value, ACCEPTED);
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
