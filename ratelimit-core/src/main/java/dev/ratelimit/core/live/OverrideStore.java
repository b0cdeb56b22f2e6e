package dev.ratelimit.core.live;

/**
 * Where the live overrides of one key prefix are kept: in Redis, shared by every instance
 * ({@code dev.ratelimit.core.redis.RedisOverrideStore}), or in this instance's memory ({@link LocalOverrideStore}).
 * Every change is one atomic step that also raises the version and logs the change.
 */
public interface OverrideStore extends AutoCloseable {

    /**
     * The whole state, and the change records after {@code sinceVersion}.
     *
     * @throws dev.ratelimit.core.StoreUnavailableException when the store cannot answer
     */
    OverrideState read(long sinceVersion);

    /** The current version (0 before any change); cheap: one GET. */
    long version();

    /**
     * Applies the change atomically, raising the version and logging it, and announces it to the other instances.
     *
     * @param maxIdentityEntries the cap on identity limits and blocks together; a new entry beyond it is refused
     * @return the new version, or -1 when the cap refused the change (nothing changed)
     */
    long apply(OverrideChange change, int maxIdentityEntries);

    /**
     * Starts telling {@code catchUp} when the state may have changed: announcements of other instances' changes,
     * and a periodic version check for the announcements lost. Stopped by {@link #close()}.
     */
    void watch(Runnable catchUp);

    /** Whether other instances share it (Redis), or it is this instance's alone (memory). */
    boolean shared();

    String describe();

    @Override
    void close();
}
