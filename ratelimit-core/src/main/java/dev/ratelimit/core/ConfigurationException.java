package dev.ratelimit.core;

/**
 * A configuration value that cannot be used. The message always names the parameter, the value given
 * and what would have been accepted, so the operator can fix web.xml without reading code.
 */
public class ConfigurationException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String parameter;

    public ConfigurationException(String parameter, String value, String accepted) {
        this(parameter, value, accepted, null);
    }

    public ConfigurationException(String parameter, String value, String accepted, Throwable cause) {
        super(message(parameter, value, accepted), cause);
        this.parameter = parameter;
    }

    private static String message(String parameter, String value, String accepted) {
        String shown = value == null ? "(not set)" : "'" + value + "'";
        return "Invalid value " + shown + " for parameter '" + parameter + "': " + accepted;
    }

    /** The name of the init-param (or annotation attribute) that was wrong. */
    public String parameter() {
        return parameter;
    }
}
