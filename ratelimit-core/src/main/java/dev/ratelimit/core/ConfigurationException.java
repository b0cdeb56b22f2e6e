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

    private ConfigurationException(String parameter, String message) {
        super(message);
        this.parameter = parameter;
    }

    /** A parameter nobody reads (a typo, most likely): the message says so and names the closest known one. */
    public static ConfigurationException unknownParameter(String parameter, String message) {
        return new ConfigurationException(parameter, message);
    }

    /** A bad entry whose message is already whole (a policy file's, naming the file, line, entry and value). */
    public static ConfigurationException withMessage(String parameter, String message) {
        return new ConfigurationException(parameter, message);
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
