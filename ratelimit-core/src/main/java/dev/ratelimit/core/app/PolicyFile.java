package dev.ratelimit.core.app;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import dev.ratelimit.core.ConfigParams;
import dev.ratelimit.core.ConfigurationException;
import dev.ratelimit.core.LogValues;
import dev.ratelimit.core.PolicyParams;

/**
 * One version of the policy file ({@code ratelimit.config-file}), parsed: {@code <policy>.<param>=<value>}
 * entries by policy, each with its line. Immutable. The syntax is the plain subset of {@code .properties}
 * whose line numbers are exact: UTF-8, one entry per line, {@code =} or {@code :} between key and value
 * (the first of them), blank lines and lines starting with {@code #} or {@code !} ignored, keys and values
 * trimmed and taken as written (no escapes, no continuation lines: a line ending in {@code \} is refused,
 * as are a key given twice and an empty value). Every key names a known parameter; {@code policy-name} and
 * the application-wide parameters cannot be set here.
 */
public final class PolicyFile {

    /** The largest file read: a policy file is a few kilobytes; anything bigger is a mistake. */
    public static final int MAX_BYTES = 1 << 20;

    private final String file;
    private final Map<String, Map<String, Entry>> byPolicy;
    private final String hash;

    private PolicyFile(String file, Map<String, Map<String, Entry>> byPolicy, String hash) {
        this.file = file;
        this.byPolicy = byPolicy;
        this.hash = hash;
    }

    /** An empty file: what web.xml says holds. */
    static PolicyFile empty(String file) {
        return new PolicyFile(file, Collections.<String, Map<String, Entry>>emptyMap(), hash(new byte[0]));
    }

    /**
     * @param file names the file in messages
     * @throws ConfigurationException naming the file, the line, the entry and what is wrong
     */
    public static PolicyFile parse(String file, byte[] content) {
        if (content.length > MAX_BYTES) {
            throw ConfigurationException.withMessage(ParameterNames.SHARED_PREFIX + ApplicationParams.CONFIG_FILE,
                    "Policy file " + file + ": " + content.length + " bytes, more than the " + MAX_BYTES + " accepted");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(content)).toString();
        } catch (CharacterCodingException e) {
            throw ConfigurationException.withMessage(ParameterNames.SHARED_PREFIX + ApplicationParams.CONFIG_FILE,
                    "Policy file " + file + ": not UTF-8 text");
        }
        Map<String, Map<String, Entry>> byPolicy = new LinkedHashMap<>();
        Map<String, Integer> lineOfKey = new LinkedHashMap<>();
        String[] lines = text.split("\r\n|\r|\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int number = i + 1;
            String line = lines[i].trim();
            if (line.isEmpty() || line.charAt(0) == '#' || line.charAt(0) == '!') {
                continue;
            }
            int separator = separator(line);
            if (separator <= 0) {
                throw bad(file, number, line, "expected <policy>.<param>=<value>, e.g. 'api.limits=200/1m'");
            }
            String key = line.substring(0, separator).trim();
            String value = line.substring(separator + 1).trim();
            if (value.endsWith("\\")) {
                throw bad(file, number, line, "continuation lines are not read: one entry per line");
            }
            if (value.isEmpty()) {
                throw bad(file, number, line, "an empty value: remove the line to use the value of web.xml");
            }
            Integer earlier = lineOfKey.put(key, number);
            if (earlier != null) {
                throw bad(file, number, line, "'" + LogValues.escape(key) + "' is set on line " + earlier + " already");
            }
            String[] split = ParameterNames.splitPolicyKey(key);
            if (split == null) {
                throw bad(file, number, line, "expected <policy>.<param>, where <policy> is a filter's policy-name"
                        + " (default: its filter-name) or a JAX-RS named policy");
            }
            checkParameter(file, number, line, split[1]);
            byPolicy.computeIfAbsent(split[0], p -> new LinkedHashMap<>())
                    .put(split[1], new Entry(split[0], split[1], value, number, line));
        }
        Map<String, Map<String, Entry>> frozen = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, Entry>> policy : byPolicy.entrySet()) {
            frozen.put(policy.getKey(), Collections.unmodifiableMap(policy.getValue()));
        }
        return new PolicyFile(file, Collections.unmodifiableMap(frozen), hash(content));
    }

    private static int separator(String line) {
        int equals = line.indexOf('=');
        int colon = line.indexOf(':');
        if (equals < 0) {
            return colon;
        }
        return colon < 0 ? equals : Math.min(equals, colon);
    }

    private static void checkParameter(String file, int number, String line, String param) {
        if (PolicyParams.POLICY_NAME.equals(param)) {
            throw bad(file, number, line, "policy-name names the policy in web.xml; the file addresses policies by it");
        }
        if (ApplicationParams.NAMES.contains(param)) {
            throw bad(file, number, line, "'" + param + "' is application-wide: set it as the context-param "
                    + ParameterNames.SHARED_PREFIX + param);
        }
        if (!ParameterNames.isKnown(param)) {
            if (dev.ratelimit.core.Plans.looksLikePlanParameter(param)) {
                throw bad(file, number, line, "unknown parameter '" + LogValues.escape(param) + "': expected "
                        + dev.ratelimit.core.Plans.NAME_ACCEPTED);
            }
            String closest = ParameterNames.closest(param);
            throw bad(file, number, line, "unknown parameter '" + LogValues.escape(param) + "'"
                    + (closest != null ? ": did you mean '" + closest + "'?" : ""));
        }
    }

    private static ConfigurationException bad(String file, int line, String text, String why) {
        return ConfigurationException.withMessage(ParameterNames.SHARED_PREFIX + ApplicationParams.CONFIG_FILE,
                where(file, line, text) + ": " + why);
    }

    /** {@code Policy file /etc/x.properties line 3 'api.limits=abc'}, the key and the value escaped. */
    static String where(String file, int line, String text) {
        int separator = separator(text);
        String shown = separator <= 0 ? LogValues.escape(text)
                : LogValues.escape(text.substring(0, separator).trim()) + "=" + LogValues.escape(text.substring(separator + 1).trim());
        return "Policy file " + file + " line " + line + " '" + shown + "'";
    }

    /** @throws ConfigurationException for the first policy the application does not declare */
    void checkPolicies(Set<String> declared) {
        if (declared == null) {
            return; // the container would not list the application's filters
        }
        for (Map<String, Entry> entries : byPolicy.values()) {
            Entry first = entries.values().iterator().next();
            if (!declared.contains(first.policy)) {
                throw bad(file, first.line, first.text, "no policy named '" + LogValues.escape(first.policy)
                        + "' in this application; known: " + new TreeSet<>(declared));
            }
        }
    }

    public String file() {
        return file;
    }

    /** The first 12 hex digits of the content's SHA-256. */
    public String hash() {
        return hash;
    }

    public Set<String> policies() {
        return byPolicy.keySet();
    }

    /** The policy's entries by parameter (empty when the file does not name it). */
    public Map<String, Entry> entries(String policy) {
        Map<String, Entry> entries = byPolicy.get(policy);
        return entries == null ? Collections.<String, Entry>emptyMap() : entries;
    }

    /** The policy's values by parameter. */
    public Map<String, String> values(String policy) {
        Map<String, String> values = new LinkedHashMap<>();
        for (Entry entry : entries(policy).values()) {
            values.put(entry.param, entry.value);
        }
        return values;
    }

    /** The policy's parameters: this file's {@code <policyName>.<param>} first, then {@code base}. */
    public ConfigParams over(String policyName, ConfigParams base) {
        Map<String, String> values = values(policyName);
        if (values.isEmpty()) {
            return base;
        }
        return new ConfigParams(param -> {
            String value = values.get(param);
            return value != null ? value : base.get(param);
        }, () -> {
            Set<String> names = new LinkedHashSet<>(values.keySet());
            for (String name : base.names()) {
                names.add(name);
            }
            return names;
        });
    }

    /** The same error, naming this file's line, entry and value when the parameter at fault was set here. */
    public ConfigurationException located(String policyName, ConfigurationException e) {
        Entry entry = entries(policyName).get(e.parameter());
        if (entry == null) {
            return e;
        }
        return ConfigurationException.withMessage(e.parameter(), entry.where(file) + ": " + e.getMessage());
    }

    static String hash(byte[] content) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(content);
            StringBuilder hex = new StringBuilder();
            for (int i = 0; i < 6; i++) {
                hex.append(String.format("%02x", digest[i] & 0xFF));
            }
            return hex.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** One {@code <policy>.<param>=<value>} line. */
    public static final class Entry {
        final String policy;
        final String param;
        final String value;
        final int line;
        /** The line as written, trimmed. */
        final String text;

        Entry(String policy, String param, String value, int line, String text) {
            this.policy = policy;
            this.param = param;
            this.value = value;
            this.line = line;
            this.text = text;
        }

        public String value() {
            return value;
        }

        public int line() {
            return line;
        }

        /** Where it is, for messages: file, line and the entry as written. */
        String where(String file) {
            return PolicyFile.where(file, line, text);
        }
    }
}
