package dev.ratelimit.jaxrs;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import dev.ratelimit.core.ConfigParams;
import dev.ratelimit.core.ConfigurationException;
import dev.ratelimit.core.app.ParameterNames;
import dev.ratelimit.core.Policy;
import dev.ratelimit.core.PolicyParams;
import dev.ratelimit.core.redis.RedisParams;
import dev.ratelimit.core.redis.RedisSettings;
import dev.ratelimit.core.webhook.WebhookParams;
import dev.ratelimit.core.webhook.WebhookSettings;
import dev.ratelimit.core.app.LivePolicies;

/**
 * Reads one {@link RateLimited} through core's {@link PolicyParams}, {@link RedisParams} and
 * {@link WebhookParams}, so the annotation obeys the same rules and messages as the Servlet filter's
 * init-params. Each parameter is looked up in order: the named policy's
 * {@code ratelimit.policy.<name>.<param>}, the annotation's attribute, the application-wide
 * {@code ratelimit.<param>}. The {@code webhook-*} attributes come from the method's
 * {@link WebhookSignature}, offered only to a policy whose scope is {@code webhook}.
 */
final class AnnotationPolicy {

    /** Prefix of the application-wide settings, as for the Servlet filter's context-params. */
    static final String SHARED_PREFIX = ParameterNames.SHARED_PREFIX;
    /** Prefix of named policies: {@code ratelimit.policy.<name>.<param>}. */
    static final String POLICY_PREFIX = ParameterNames.POLICY_PREFIX;

    /** How every parameter of {@link WebhookSignature} begins. */
    private static final String WEBHOOK_PARAM = "webhook-";
    private static final String POLICY_NAME_RULE = "[A-Za-z0-9][A-Za-z0-9_-]{0,63}";

    /** The annotation attribute of each parameter, as messages name it. */
    private static final Map<String, String> ATTRIBUTES = new HashMap<>();

    static {
        ATTRIBUTES.put(PolicyParams.LIMITS, "attribute limits");
        ATTRIBUTES.put(PolicyParams.ALGORITHM, "attribute algorithm");
        ATTRIBUTES.put(PolicyParams.KEY, "attribute key");
        ATTRIBUTES.put(PolicyParams.SCOPE, "attribute scope");
        ATTRIBUTES.put(PolicyParams.FAILURE_MODE, "attribute failureMode");
        ATTRIBUTES.put(PolicyParams.COST, "attribute cost");
        ATTRIBUTES.put(PolicyParams.PREFETCH, "attribute prefetch");
        ATTRIBUTES.put(PolicyParams.HEADERS, "attribute headers");
        ATTRIBUTES.put(PolicyParams.ERROR_FORMAT, "attribute errorFormat");
        putSignatureAttribute(WebhookParams.SCHEME, "scheme");
        putSignatureAttribute(WebhookParams.SECRET_ENV, "secretEnv");
        putSignatureAttribute(WebhookParams.SECRET_PROPERTY, "secretProperty");
        putSignatureAttribute(WebhookParams.SECRET_FILE, "secretFile");
        putSignatureAttribute(WebhookParams.HEADER, "header");
        putSignatureAttribute(WebhookParams.ENCODING, "encoding");
        putSignatureAttribute(WebhookParams.ALGORITHM, "algorithm");
        putSignatureAttribute(WebhookParams.TIMESTAMP_HEADER, "timestampHeader");
        putSignatureAttribute(WebhookParams.TOLERANCE, "tolerance");
        putSignatureAttribute(WebhookParams.MAX_BODY, "maxBody");
        putSignatureAttribute(WebhookParams.BAD_SIGNATURE_LIMITS, "badSignatureLimits");
        putSignatureAttribute(WebhookParams.REPLAY_PROTECTION, "replayProtection");
        putSignatureAttribute(WebhookParams.REPLAY_WINDOW, "replayWindow");
    }

    /** Named when no secret is named at all: any of the three would do. */
    private static final String NO_SECRET_ATTRIBUTES = "@WebhookSignature attribute secretEnv, secretProperty or secretFile";

    private static void putSignatureAttribute(String param, String attribute) {
        ATTRIBUTES.put(param, "@WebhookSignature attribute " + attribute);
    }

    private final RateLimited annotation;
    private final ContextParams contextParams;
    private final String where;
    private final String policyPrefix;
    private final Map<String, String> sources = new HashMap<>();

    final Policy policy;
    /** The policy's name in the policy file: the named policy's, or null (an unnamed annotation cannot be named there). */
    final String fileName;
    /** The parameters without the policy file, for rebuilding the policy when the file changes. */
    final ConfigParams base;
    /** The policy file generation the policy was read at. */
    final long readAt;
    /** Reads the policy again from parameters (the policy file's over {@link #base}). */
    final LivePolicies.Reader reader;
    /** Null when no Redis URL is configured: count in memory. */
    final RedisSettings redis;
    /** Null unless the scope is {@code webhook}: then requests are verified before this policy counts them. */
    final WebhookSettings webhook;

    /**
     * @param signature the method's (else its class's) {@link WebhookSignature}, or null
     * @param where     names the annotated method in messages, e.g. {@code OrderResource#find}
     * @throws IllegalArgumentException naming the attribute or configuration name at fault
     */
    AnnotationPolicy(RateLimited annotation, WebhookSignature signature, ContextParams contextParams, String where,
                     LivePolicies live) {
        this.annotation = annotation;
        this.contextParams = contextParams;
        this.where = where;
        this.policyPrefix = namedPolicyPrefix();
        this.base = new ConfigParams(param -> lookup(param, null), this::names);
        this.fileName = annotation.policy().isEmpty() ? null : annotation.policy();
        this.readAt = live.generation();
        ConfigParams params = fileName == null ? base : live.layered(fileName, base);
        String defaultName = annotation.policy().isEmpty() ? where : annotation.policy();
        String application = contextParams.applicationName();
        this.reader = p -> PolicyParams.read(p, defaultName, application);
        try {
            this.policy = PolicyParams.read(params, defaultName, application);
            this.redis = RedisParams.read(params);
            // Only the webhook-scope policy reads @WebhookSignature: any other would refuse its scheme.
            boolean verifies = WebhookParams.WEBHOOK_SCOPE.equals(policy.scope());
            this.webhook = WebhookParams.read(verifies ? new ConfigParams(param -> lookup(param, signature)) : params,
                    policy.scope());
        } catch (ConfigurationException e) {
            ConfigurationException located = fileName == null ? e : live.located(fileName, e);
            if (located != e) {
                throw new IllegalArgumentException(context() + ": " + located.getMessage(), e);
            }
            throw new IllegalArgumentException(context() + " (" + sourceOf(e.parameter()) + "): " + e.getMessage(), e);
        }
    }

    /** The parameters given by name, for those read by pattern ({@code plan.<name>.limits}): the named policy's and the shared ones. */
    private Set<String> names() {
        Set<String> names = new LinkedHashSet<>();
        for (String name : contextParams.names()) {
            if (policyPrefix != null && name.startsWith(policyPrefix)) {
                names.add(name.substring(policyPrefix.length()));
            } else if (name.startsWith(SHARED_PREFIX) && !name.startsWith(POLICY_PREFIX)) {
                names.add(name.substring(SHARED_PREFIX.length()));
            }
        }
        return names;
    }

    private String namedPolicyPrefix() {
        String name = annotation.policy();
        if (name.isEmpty()) {
            return null;
        }
        if (!name.matches(POLICY_NAME_RULE)) {
            throw new IllegalArgumentException(context() + " (attribute policy): Invalid value '" + name
                    + "': a name of letters, digits, '_' or '-' (at most 64), e.g. 'search'");
        }
        String prefix = POLICY_PREFIX + name + ".";
        if (!annotation.limits().isEmpty()) {
            throw new IllegalArgumentException(context() + ": attributes 'policy' and 'limits' exclude each other:"
                    + " the named policy takes its limits from " + prefix + PolicyParams.LIMITS);
        }
        if (contextParams.get(prefix + PolicyParams.LIMITS) == null) {
            throw new IllegalArgumentException(context() + " (attribute policy): no policy named '" + name
                    + "' is configured: set the context-param " + prefix + PolicyParams.LIMITS
                    + " (e.g. '10/1s'), and optionally " + prefix + "<param> for its other parameters");
        }
        return prefix;
    }

    private String lookup(String param, WebhookSignature signature) {
        if (policyPrefix != null) {
            String value = contextParams.get(policyPrefix + param);
            if (value != null) {
                sources.put(param, contextParams.describe(policyPrefix + param));
                return value;
            }
        }
        String value = param.startsWith(WEBHOOK_PARAM) ? signatureAttribute(signature, param) : attribute(param);
        if (value != null) {
            sources.put(param, ATTRIBUTES.get(param));
            return value;
        }
        value = contextParams.get(SHARED_PREFIX + param);
        if (value != null) {
            sources.put(param, contextParams.describe(SHARED_PREFIX + param));
        }
        return value;
    }

    /** The attribute's value, or null when left at its default. */
    private String attribute(String param) {
        switch (param) {
            case PolicyParams.LIMITS:
                return emptyToNull(annotation.limits());
            case PolicyParams.ALGORITHM:
                return emptyToNull(annotation.algorithm());
            case PolicyParams.KEY:
                return emptyToNull(annotation.key());
            case PolicyParams.SCOPE:
                return emptyToNull(annotation.scope());
            case PolicyParams.FAILURE_MODE:
                return emptyToNull(annotation.failureMode());
            case PolicyParams.COST:
                return annotation.cost() == 1 ? null : Integer.toString(annotation.cost());
            case PolicyParams.PREFETCH:
                return annotation.prefetch() == 1 ? null : Integer.toString(annotation.prefetch());
            case PolicyParams.HEADERS:
                return emptyToNull(annotation.headers());
            case PolicyParams.ERROR_FORMAT:
                return emptyToNull(annotation.errorFormat());
            default:
                return null;
        }
    }

    /** The signature annotation's value for a {@code webhook-*} parameter, or null when left at its default. */
    private static String signatureAttribute(WebhookSignature signature, String param) {
        if (signature == null) {
            return null;
        }
        switch (param) {
            case WebhookParams.SCHEME:
                return emptyToNull(signature.scheme());
            case WebhookParams.SECRET_ENV:
                return emptyToNull(signature.secretEnv());
            case WebhookParams.SECRET_PROPERTY:
                return emptyToNull(signature.secretProperty());
            case WebhookParams.SECRET_FILE:
                return emptyToNull(signature.secretFile());
            case WebhookParams.HEADER:
                return emptyToNull(signature.header());
            case WebhookParams.ENCODING:
                return emptyToNull(signature.encoding());
            case WebhookParams.ALGORITHM:
                return emptyToNull(signature.algorithm());
            case WebhookParams.TIMESTAMP_HEADER:
                return emptyToNull(signature.timestampHeader());
            case WebhookParams.TOLERANCE:
                return emptyToNull(signature.tolerance());
            case WebhookParams.MAX_BODY:
                return emptyToNull(signature.maxBody());
            case WebhookParams.BAD_SIGNATURE_LIMITS:
                return emptyToNull(signature.badSignatureLimits());
            case WebhookParams.REPLAY_PROTECTION:
                return signature.replayProtection() ? null : "false";
            case WebhookParams.REPLAY_WINDOW:
                return emptyToNull(signature.replayWindow());
            default:
                return null;
        }
    }

    private String sourceOf(String param) {
        String source = sources.get(param);
        if (source != null) {
            return source;
        }
        // Unset everywhere; the one case WebhookSecrets reports this way is "no secret named at all".
        String attribute = WebhookParams.SECRET_ENV.equals(param) ? NO_SECRET_ATTRIBUTES : ATTRIBUTES.get(param);
        if (policyPrefix != null) {
            return policyPrefix + param + (attribute == null ? "" : " or " + attribute);
        }
        return attribute != null ? attribute : SHARED_PREFIX + param;
    }

    private String context() {
        return "@RateLimited on " + where;
    }

    private static String emptyToNull(String s) {
        return s.trim().isEmpty() ? null : s;
    }
}
