package dev.ratelimit.core.management;

/** What the control MBean shows of the application's policy file. */
public interface PolicyFileStatus {

    /** Without a policy file. */
    PolicyFileStatus NONE = new PolicyFileStatus() {
        @Override
        public String version() {
            return "none (no context-param ratelimit.config-file)";
        }

        @Override
        public String lastError() {
            return "none";
        }
    };

    /** {@code version N sha256:… applied <time> from <file>}. */
    String version();

    /** The last failed load with its time, or {@code none}. */
    String lastError();
}
