package dev.ratelimit.core;

/**
 * Writes the body of a refusal in its policy's {@link ErrorFormat}: the JSON body
 * {@code {"error":{"code":…,"message":…,"retryAfter":N}}}, or RFC 9457 problem details with the members
 * {@code type}, {@code title}, {@code status}, {@code detail}, and the extensions {@code code},
 * {@code retryAfter} (seconds, when the client is told to wait) and {@code policy} (when known).
 */
final class ErrorBody {

    /** For {@code retryAfterSeconds}: the refusal has no {@code Retry-After}. */
    static final long NO_RETRY = -1;

    private ErrorBody() {
    }

    /**
     * @param policy the policy's name, or null
     */
    static String render(ErrorFormat format, ErrorCode code, int status, String detail, long retryAfterSeconds,
                         String policy) {
        StringBuilder out = new StringBuilder(160);
        if (format == ErrorFormat.PROBLEM) {
            out.append("{\"type\":");
            string(out, code.problemType());
            out.append(",\"title\":");
            string(out, code.title());
            out.append(",\"status\":").append(status).append(",\"detail\":");
            string(out, detail);
            out.append(",\"code\":");
            string(out, code.name());
            if (retryAfterSeconds != NO_RETRY) {
                out.append(",\"retryAfter\":").append(retryAfterSeconds);
            }
            if (policy != null) {
                out.append(",\"policy\":");
                string(out, policy);
            }
            return out.append('}').toString();
        }
        out.append("{\"error\":{\"code\":");
        string(out, code.name());
        out.append(",\"message\":");
        string(out, detail);
        if (retryAfterSeconds != NO_RETRY) {
            out.append(",\"retryAfter\":").append(retryAfterSeconds);
        }
        return out.append("}}").toString();
    }

    /** A JSON string (RFC 8259): quotes, backslashes and control characters escaped; the rest as it is, in UTF-8. */
    static void string(StringBuilder out, String value) {
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        out.append('"');
    }
}
