package dev.ratelimit.core.live;

import java.io.UnsupportedEncodingException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * One operator change to the live overrides (a JMX operation): what it does to which policy and identity,
 * from which instance, by which JMX principal. It is stored with its version in the store's change log,
 * so every instance that applies it can write the same audit line, also when it catches up late.
 */
public final class OverrideChange {

    /** Where a change is kept: the hash of policy overrides, of identity limits, or of blocks; or nowhere. */
    public enum Table { POLICIES, IDENTITIES, BLOCKS, NONE }

    /** What a change does to its table's entry: set it, delete it, set a block's deadline, or nothing (an announcement). */
    public enum Op { SET, DELETE, BLOCK, NONE }

    public enum Action {
        SET_LIMITS(Table.POLICIES, Op.SET),
        SET_DRY_RUN(Table.POLICIES, Op.SET),
        CLEAR_LIMITS(Table.POLICIES, Op.DELETE),
        SET_IDENTITY_LIMITS(Table.IDENTITIES, Op.SET),
        CLEAR_IDENTITY_LIMITS(Table.IDENTITIES, Op.DELETE),
        BLOCK_IDENTITY(Table.BLOCKS, Op.BLOCK),
        UNBLOCK_IDENTITY(Table.BLOCKS, Op.DELETE),
        /** Counters of an identity were deleted: every instance forgets its local denials. */
        RESET_IDENTITY(Table.NONE, Op.NONE);

        private final Table table;
        private final Op op;

        Action(Table table, Op op) {
            this.table = table;
            this.op = op;
        }

        public Table table() {
            return table;
        }

        public Op op() {
            return op;
        }

        /** As written in audit lines, e.g. {@code set-identity-limits}. */
        public String text() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        static Action ofText(String text) {
            return valueOf(text.toUpperCase(Locale.ROOT).replace('-', '_'));
        }
    }

    /** Field prefixes in the policies table: one field per overridden setting of a policy. */
    static final String LIMITS_FIELD = "limits ";
    static final String DRY_RUN_FIELD = "dry-run ";

    private final Action action;
    private final String policy;
    private final String identity;
    private final String value;
    private final String origin;
    private final String principal;

    /**
     * @param identity the identity as keys hold it ({@code user=alice}), or null for a policy's own change
     * @param value    limits text, {@code true}/{@code false}, or a block's duration in milliseconds; or null
     * @param origin   the instance that made the change (host, JVM, application)
     * @param principal the JMX principal, or null
     */
    public OverrideChange(Action action, String policy, String identity, String value, String origin, String principal) {
        this.action = action;
        this.policy = policy;
        this.identity = identity;
        this.value = value;
        this.origin = origin;
        this.principal = principal;
    }

    public Action action() {
        return action;
    }

    public String policy() {
        return policy;
    }

    public String identity() {
        return identity;
    }

    public String value() {
        return value;
    }

    public String origin() {
        return origin;
    }

    public String principal() {
        return principal;
    }

    /** The entries of its table the change sets or deletes. */
    public List<String> fields() {
        switch (action) {
            case SET_LIMITS:
                return Collections.singletonList(LIMITS_FIELD + policy);
            case SET_DRY_RUN:
                return Collections.singletonList(DRY_RUN_FIELD + policy);
            case CLEAR_LIMITS:
                return Arrays.asList(LIMITS_FIELD + policy, DRY_RUN_FIELD + policy);
            case RESET_IDENTITY:
                return Collections.emptyList();
            default:
                return Collections.singletonList(identityField(identity, policy));
        }
    }

    /** An identity's entry: the identity first (it holds no space: it is escaped as in keys), then the policy. */
    static String identityField(String identity, String policy) {
        return identity + ' ' + policy;
    }

    /** The record kept in the change log: tab-separated, each field percent-encoded. */
    public String record() {
        return encode(action.text()) + '\t' + encode(policy) + '\t' + encode(identity) + '\t' + encode(value)
                + '\t' + encode(origin) + '\t' + encode(principal);
    }

    /** @throws IllegalArgumentException when the text is no record */
    public static OverrideChange parse(String record) {
        String[] f = record.split("\t", -1);
        if (f.length != 6) {
            throw new IllegalArgumentException("not a change record: " + record);
        }
        return new OverrideChange(Action.ofText(decode(f[0])), decode(f[1]), decode(f[2]), decode(f[3]), decode(f[4]),
                decode(f[5]));
    }

    private static String encode(String text) {
        if (text == null) {
            return "";
        }
        try {
            return URLEncoder.encode(text, "UTF-8");
        } catch (UnsupportedEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String decode(String text) {
        if (text.isEmpty()) {
            return null;
        }
        try {
            return URLDecoder.decode(text, "UTF-8");
        } catch (UnsupportedEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return action.text() + " policy=" + policy + (identity == null ? "" : " identity=" + identity)
                + (value == null ? "" : " value=" + value);
    }
}
