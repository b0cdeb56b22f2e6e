package dev.ratelimit.core.webhook;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

import javax.crypto.spec.SecretKeySpec;

import dev.ratelimit.core.RequestView;

/**
 * Checks a webhook's HMAC signature against every configured secret, in constant time per comparison
 * ({@link MessageDigest#isEqual}), and the signed timestamp against the tolerance. Pure: no store, no
 * clock of its own, thread-safe.
 */
public final class SignatureVerifier {

    private static final byte[] DOT = {'.'};
    private static final int MAX_TIMESTAMP_DIGITS = 12;

    private final WebhookSettings settings;

    public SignatureVerifier(WebhookSettings settings) {
        this.settings = settings;
    }

    public Verification verify(RequestView request, byte[] body, long nowMillis) {
        String header = request.header(settings.header());
        if (header == null || header.trim().isEmpty()) {
            return Verification.invalid(Rejection.MISSING_SIGNATURE);
        }
        header = header.trim();
        switch (settings.scheme()) {
            case GITHUB:
                return github(header, body);
            case STRIPE:
                return stripe(header, body, nowMillis);
            default:
                return generic(header, request, body, nowMillis);
        }
    }

    private Verification github(String header, byte[] body) {
        if (!header.startsWith("sha256=")) {
            return Verification.invalid(Rejection.MALFORMED_SIGNATURE);
        }
        byte[] given = SignatureEncoding.decodeHex(header.substring("sha256=".length()));
        if (given == null) {
            return Verification.invalid(Rejection.MALFORMED_SIGNATURE);
        }
        return check(singleton(given), null, body, -1, 0);
    }

    /** {@code t=<seconds>,v1=<hex>[,v1=<hex>...]}; other schemes (v0) are ignored, as Stripe's libraries do. */
    private Verification stripe(String header, byte[] body, long nowMillis) {
        String timestamp = null;
        List<byte[]> given = new ArrayList<>(2);
        for (String item : header.split(",")) {
            int eq = item.indexOf('=');
            if (eq < 0) {
                return Verification.invalid(Rejection.MALFORMED_SIGNATURE);
            }
            String key = item.substring(0, eq).trim();
            String value = item.substring(eq + 1).trim();
            if (key.equals("t")) {
                if (timestamp != null) {
                    return Verification.invalid(Rejection.MALFORMED_SIGNATURE);
                }
                timestamp = value;
            } else if (key.equals("v1")) {
                byte[] signature = SignatureEncoding.decodeHex(value);
                if (signature != null) {
                    given.add(signature);
                }
            }
        }
        long seconds = parseSeconds(timestamp);
        if (seconds < 0 || given.isEmpty()) {
            return Verification.invalid(Rejection.MALFORMED_SIGNATURE);
        }
        return check(given, timestamp, body, seconds, nowMillis);
    }

    private Verification generic(String header, RequestView request, byte[] body, long nowMillis) {
        String value = header;
        String prefix = settings.algorithm().headerPrefix();
        if (value.regionMatches(true, 0, prefix, 0, prefix.length())) {
            value = value.substring(prefix.length());
        }
        byte[] given = settings.encoding().decode(value);
        if (given == null) {
            return Verification.invalid(Rejection.MALFORMED_SIGNATURE);
        }
        if (settings.timestampHeader() == null) {
            return check(singleton(given), null, body, -1, nowMillis);
        }
        String timestamp = request.header(settings.timestampHeader());
        if (timestamp == null || timestamp.trim().isEmpty()) {
            return Verification.invalid(Rejection.MISSING_SIGNATURE);
        }
        timestamp = timestamp.trim();
        long seconds = parseSeconds(timestamp);
        if (seconds < 0) {
            return Verification.invalid(Rejection.MALFORMED_SIGNATURE);
        }
        return check(singleton(given), timestamp, body, seconds, nowMillis);
    }

    /**
     * Signs {@code body} (or {@code timestamp.body}) with each secret and looks for it among the given
     * signatures. The signature under the first secret identifies the request for replay protection
     * whichever secret matched, so a copy cannot dodge it by keeping only another secret's signature.
     */
    private Verification check(List<byte[]> given, String timestamp, byte[] body, long seconds, long nowMillis) {
        byte[][] parts = timestamp == null ? new byte[][] {body}
                : new byte[][] {timestamp.getBytes(StandardCharsets.US_ASCII), DOT, body};
        String replayId = null;
        boolean matched = false;
        for (SecretKeySpec key : settings.keys()) {
            byte[] expected = settings.algorithm().sign(key, parts);
            if (replayId == null) {
                replayId = SignatureEncoding.hex(expected);
            }
            for (byte[] signature : given) {
                if (MessageDigest.isEqual(expected, signature)) {
                    matched = true;
                }
            }
            if (matched) {
                break;
            }
        }
        if (!matched) {
            return Verification.invalid(Rejection.SIGNATURE_MISMATCH);
        }
        long window = settings.replayWindowMillis();
        if (timestamp == null) {
            return Verification.valid(replayId, window);
        }
        long tolerance = settings.toleranceMillis();
        long signedAt = seconds * 1000;
        if (Math.abs(nowMillis - signedAt) > tolerance) {
            return Verification.invalid(Rejection.STALE_TIMESTAMP);
        }
        // Until signedAt + tolerance a copy is fresh, so it is remembered at least that long (one second more
        // for the timestamp's rounding): a window shorter than the tolerance leaves no gap for a replay.
        return Verification.valid(replayId, Math.max(window, signedAt + tolerance - nowMillis + 1000));
    }

    private static long parseSeconds(String text) {
        if (text == null || text.isEmpty() || text.length() > MAX_TIMESTAMP_DIGITS) {
            return -1;
        }
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return -1;
            }
        }
        return Long.parseLong(text);
    }

    private static List<byte[]> singleton(byte[] signature) {
        List<byte[]> list = new ArrayList<>(1);
        list.add(signature);
        return list;
    }
}
