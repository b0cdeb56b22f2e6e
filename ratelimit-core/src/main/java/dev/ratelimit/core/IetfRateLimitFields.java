package dev.ratelimit.core;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The {@code RateLimit-Policy} and {@code RateLimit} fields of draft-ietf-httpapi-ratelimit-headers-11,
 * serialized as RFC 8941 Lists. {@code RateLimit-Policy} has one item per limit of the policy,
 * {@code "<name>";q=<permits>;w=<window seconds>}; {@code RateLimit} one item for the binding limit,
 * {@code "<name>";r=<remaining>;t=<seconds>}. An item's name is the policy's name, followed by
 * {@code /<window>} (e.g. {@code api/1h}) when the policy has several limits, so each item names one limit.
 *
 * <p>{@code t} is how long the client can use no more than {@code r}: on a denial the request's
 * {@code Retry-After}, so {@code Retry-After} is never earlier than {@code t}; otherwise until the
 * binding limit's permits are all back (the end of a fixed window, the oldest permit of a sliding
 * window freeing, a full token bucket), rounded up. {@code w} is left out when the window is not a whole
 * number of seconds (the draft has no sub-second windows). A concurrency policy counts requests in
 * flight, not per window: {@code "<name>";q=<N>;qu="concurrent-requests"} and {@code "<name>";r=<left>},
 * without {@code w} or {@code t}.
 */
final class IetfRateLimitFields {

    static final String POLICY_FIELD = "RateLimit-Policy";
    static final String LIMIT_FIELD = "RateLimit";

    /** The draft's quota unit for limits on requests in flight. */
    static final String CONCURRENT_REQUESTS = "concurrent-requests";

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private IetfRateLimitFields() {
    }

    /** Both fields of a decision a store made under {@code policy}. */
    static void put(Map<String, String> headers, Decision decision, Policy policy, long retryAfterSeconds) {
        Items items = policy.ietfItems();
        headers.put(POLICY_FIELD, items.policyField);
        String item = items.names[bindingIndex(decision, policy.limits())];
        StringBuilder limit = new StringBuilder(item.length() + 48);
        limit.append(item).append(";r=").append(decision.remaining())
                .append(";t=").append(decision.allowed() ? secondsToReset(decision) : retryAfterSeconds);
        headers.put(LIMIT_FIELD, limit.toString());
    }

    /** What a policy's fields hold whatever the decision, built once with the policy. */
    static Items items(String policyName, List<Limit> limits) {
        String[] names = new String[limits.size()];
        StringBuilder quota = new StringBuilder(32 * limits.size());
        for (int i = 0; i < limits.size(); i++) {
            if (i > 0) {
                quota.append(", ");
            }
            StringBuilder name = new StringBuilder();
            string(name, itemName(policyName, limits, i));
            names[i] = name.toString();
            quota.append(names[i]).append(";q=").append(limits.get(i).permits());
            long windowMillis = limits.get(i).windowMillis();
            if (windowMillis % 1000 == 0) {
                quota.append(";w=").append(windowMillis / 1000);
            }
        }
        return new Items(quota.toString(), names);
    }

    /** A policy's {@code RateLimit-Policy} value and its items' names as sf-strings, per limit. */
    static final class Items {
        final String policyField;
        final String[] names;

        private Items(String policyField, String[] names) {
            this.policyField = policyField;
            this.names = names;
        }
    }

    /** Both fields of a concurrency permit a store decided on. */
    static void put(Map<String, String> headers, PermitDecision decision, Policy policy) {
        StringBuilder quota = new StringBuilder(48);
        string(quota, policy.name());
        quota.append(";q=").append(decision.limit()).append(";qu=");
        string(quota, CONCURRENT_REQUESTS);
        headers.put(POLICY_FIELD, quota.toString());
        StringBuilder limit = new StringBuilder(32);
        string(limit, policy.name());
        headers.put(LIMIT_FIELD, limit.append(";r=").append(decision.remaining()).toString());
    }

    /** The item naming limit {@code index} of the policy: its name, with {@code /<window>} when it has several. */
    static String itemName(Policy policy, int index) {
        return itemName(policy.name(), policy.limits(), index);
    }

    private static String itemName(String policyName, List<Limit> limits, int index) {
        return limits.size() == 1 ? policyName : policyName + "/" + Durations.format(limits.get(index).windowMillis());
    }

    /**
     * The limit the decision reports: as the store said; else (a decision made without saying) the first
     * with the decision's permits.
     */
    private static int bindingIndex(Decision decision, List<Limit> limits) {
        int index = decision.limitIndex();
        if (index >= 0 && index < limits.size() && limits.get(index).permits() == decision.limit()) {
            return index;
        }
        for (int i = 0; i < limits.size(); i++) {
            if (limits.get(i).permits() == decision.limit()) {
                return i;
            }
        }
        return 0;
    }

    private static long secondsToReset(Decision decision) {
        long millis = decision.resetAfterMillis() >= 0 ? decision.resetAfterMillis()
                : Math.max(0, decision.resetAtMillis() - System.currentTimeMillis());
        return (millis + 999) / 1000;
    }

    /**
     * An RFC 8941 sf-string. It holds printable ASCII only: {@code "} and {@code \} are escaped with a
     * backslash, and any other character (a policy name in another script, a control character) is
     * percent-encoded in UTF-8, as is {@code %} itself, so the name can be recovered.
     */
    static void string(StringBuilder out, String value) {
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c >= 0x20 && c < 0x7F && c != '%') {
                out.append(c);
            } else {
                int end = Character.isHighSurrogate(c) && i + 1 < value.length() ? i + 2 : i + 1;
                for (byte b : value.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
                    out.append('%').append(HEX[(b >> 4) & 0xF]).append(HEX[b & 0xF]);
                }
                i = end - 1;
            }
        }
        out.append('"');
    }
}
