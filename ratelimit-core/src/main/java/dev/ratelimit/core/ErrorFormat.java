package dev.ratelimit.core;

import java.util.Locale;

/** The body of a refusal: parameter {@code error-format}. */
public enum ErrorFormat {

    /** {@code {"error":{"code":…,"message":…}}}, content type {@code application/json}. The default. */
    JSON("application/json"),

    /** RFC 9457 problem details, content type {@code application/problem+json}. */
    PROBLEM("application/problem+json");

    public static final String ACCEPTED = "'json' ({\"error\":{\"code\":...}}) or 'problem' (RFC 9457 application/problem+json)";

    private final String contentType;

    ErrorFormat(String contentType) {
        this.contentType = contentType;
    }

    public static ErrorFormat parse(String parameter, String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(parameter, value, ACCEPTED);
        }
    }

    /** The media type of a body in this format, without charset (the body is always UTF-8). */
    public String contentType() {
        return contentType;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
