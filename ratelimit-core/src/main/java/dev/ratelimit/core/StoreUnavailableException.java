package dev.ratelimit.core;

/** The store did not answer: connection refused, timed out, pool exhausted, or an unexpected reply. */
public class StoreUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
