package dev.ratelimit.core.webhook;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import javax.crypto.spec.SecretKeySpec;

import dev.ratelimit.core.Durations;
import dev.ratelimit.core.Limit;

/** How one webhook endpoint's requests are verified: immutable, validated by {@link WebhookParams}. */
public final class WebhookSettings {

    static final String GITHUB_HEADER = "X-Hub-Signature-256";
    static final String STRIPE_HEADER = "Stripe-Signature";

    private final WebhookScheme scheme;
    private final List<SecretKeySpec> keys;
    private final List<String> secretSources;
    private final String header;
    private final SignatureEncoding encoding;
    private final HmacAlgorithm algorithm;
    private final String timestampHeader;
    private final long toleranceMillis;
    private final long maxBodyBytes;
    private final List<Limit> badSignatureLimits;
    private final boolean replayProtection;
    private final long replayWindowMillis;

    private WebhookSettings(Builder b) {
        this.scheme = b.scheme;
        this.header = b.header;
        this.encoding = b.encoding;
        this.algorithm = b.algorithm;
        this.timestampHeader = b.timestampHeader;
        this.toleranceMillis = b.toleranceMillis;
        this.maxBodyBytes = b.maxBodyBytes;
        this.badSignatureLimits = b.badSignatureLimits;
        this.replayProtection = b.replayProtection;
        this.replayWindowMillis = b.replayWindowMillis > 0 ? b.replayWindowMillis : b.toleranceMillis;
        List<SecretKeySpec> keys = new ArrayList<>();
        for (byte[] secret : b.secrets.secrets()) {
            keys.add(algorithm.key(secret));
        }
        this.keys = Collections.unmodifiableList(keys);
        this.secretSources = b.secrets.found();
    }

    static Builder builder(WebhookScheme scheme) {
        return new Builder(scheme);
    }

    public WebhookScheme scheme() {
        return scheme;
    }

    /** One key per secret, in the order the secrets were named. */
    List<SecretKeySpec> keys() {
        return keys;
    }

    /** The header carrying the signature. */
    public String header() {
        return header;
    }

    public SignatureEncoding encoding() {
        return encoding;
    }

    public HmacAlgorithm algorithm() {
        return algorithm;
    }

    /** The header carrying the signed timestamp for the generic scheme, or null. */
    public String timestampHeader() {
        return timestampHeader;
    }

    public long toleranceMillis() {
        return toleranceMillis;
    }

    public long maxBodyBytes() {
        return maxBodyBytes;
    }

    public List<Limit> badSignatureLimits() {
        return badSignatureLimits;
    }

    public boolean replayProtection() {
        return replayProtection;
    }

    /**
     * How long an accepted signature is remembered ({@code webhook-replay-window}, default the tolerance).
     * A signature with a timestamp is remembered at least until that timestamp is stale.
     */
    public long replayWindowMillis() {
        return replayWindowMillis;
    }

    /** One line for the startup log; names where the secrets are, never what they are. */
    public String describe() {
        return "webhook-scheme=" + scheme + " header=" + header
                + (scheme == WebhookScheme.GENERIC ? " encoding=" + encoding + " algorithm=" + algorithm
                + " timestamp-header=" + (timestampHeader == null ? "none" : timestampHeader) : "")
                + " secrets=" + secretSources + " tolerance=" + Durations.format(toleranceMillis)
                + " max-body=" + ByteSizes.format(maxBodyBytes) + " bad-signature-limits=" + badSignatureLimits
                + " replay-protection=" + replayProtection
                + (replayProtection ? " replay-window=" + Durations.format(replayWindowMillis) : "");
    }

    /** Builds {@link WebhookSettings}; the scheme fixes header, encoding and algorithm unless it is generic. */
    static final class Builder {
        private final WebhookScheme scheme;
        private WebhookSecrets secrets;
        private String header;
        private SignatureEncoding encoding = SignatureEncoding.HEX;
        private HmacAlgorithm algorithm = HmacAlgorithm.HMAC_SHA256;
        private String timestampHeader;
        private long toleranceMillis = WebhookParams.DEFAULT_TOLERANCE_MILLIS;
        private long maxBodyBytes = WebhookParams.DEFAULT_MAX_BODY_BYTES;
        private List<Limit> badSignatureLimits = Limit.parseAll(WebhookParams.BAD_SIGNATURE_LIMITS,
                WebhookParams.DEFAULT_BAD_SIGNATURE_LIMITS);
        private boolean replayProtection = true;
        /** 0: the tolerance. */
        private long replayWindowMillis;

        private Builder(WebhookScheme scheme) {
            this.scheme = scheme;
            this.header = scheme == WebhookScheme.GITHUB ? GITHUB_HEADER : scheme == WebhookScheme.STRIPE ? STRIPE_HEADER : null;
        }

        Builder secrets(WebhookSecrets secrets) {
            this.secrets = secrets;
            return this;
        }

        Builder generic(String header, SignatureEncoding encoding, HmacAlgorithm algorithm, String timestampHeader) {
            this.header = header;
            this.encoding = encoding;
            this.algorithm = algorithm;
            this.timestampHeader = timestampHeader;
            return this;
        }

        Builder tolerance(long toleranceMillis) {
            this.toleranceMillis = toleranceMillis;
            return this;
        }

        Builder maxBodyBytes(long maxBodyBytes) {
            this.maxBodyBytes = maxBodyBytes;
            return this;
        }

        Builder badSignatureLimits(List<Limit> limits) {
            this.badSignatureLimits = Collections.unmodifiableList(new ArrayList<>(limits));
            return this;
        }

        Builder replayProtection(boolean replayProtection) {
            this.replayProtection = replayProtection;
            return this;
        }

        /** @param replayWindowMillis 0 for the tolerance */
        Builder replayWindow(long replayWindowMillis) {
            this.replayWindowMillis = replayWindowMillis;
            return this;
        }

        WebhookSettings build() {
            if (secrets == null || header == null) {
                throw new IllegalStateException("secrets and header are required");
            }
            return new WebhookSettings(this);
        }
    }
}
