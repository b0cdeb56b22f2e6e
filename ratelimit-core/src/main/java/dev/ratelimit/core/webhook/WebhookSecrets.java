package dev.ratelimit.core.webhook;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;

import dev.ratelimit.core.ConfigParams;
import dev.ratelimit.core.ConfigurationException;

/**
 * The secrets a webhook is signed with, looked up by name: environment variables, system properties,
 * files. Parameters name where a secret is, never the secret itself, so none sits in web.xml. Every
 * secret found is accepted (rotation: old and new at once); names that hold nothing are reported so a
 * typo does not go unseen, and when none holds a secret the configuration fails.
 */
public final class WebhookSecrets {

    private final List<byte[]> secrets;
    private final List<String> found;
    private final List<String> missing;

    private WebhookSecrets(List<byte[]> secrets, List<String> found, List<String> missing) {
        this.secrets = Collections.unmodifiableList(secrets);
        this.found = Collections.unmodifiableList(found);
        this.missing = Collections.unmodifiableList(missing);
    }

    /**
     * @param env        looks up an environment variable ({@code System::getenv} outside tests)
     * @param properties looks up a system property ({@code System::getProperty} outside tests)
     */
    static WebhookSecrets read(ConfigParams params, Function<String, String> env, Function<String, String> properties) {
        List<byte[]> secrets = new ArrayList<>();
        List<String> found = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        String[][] sources = {
                {WebhookParams.SECRET_ENV, "environment variable"},
                {WebhookParams.SECRET_PROPERTY, "system property"},
                {WebhookParams.SECRET_FILE, "file"},
        };
        String firstNamed = null;
        for (String[] source : sources) {
            String names = params.get(source[0]);
            if (names == null) {
                continue;
            }
            firstNamed = firstNamed == null ? source[0] : firstNamed;
            for (String name : names.split(",")) {
                name = name.trim();
                if (name.isEmpty()) {
                    continue;
                }
                String label = source[1] + " " + name;
                String secret = lookup(source[0], name, env, properties);
                if (secret == null || secret.trim().isEmpty()) {
                    missing.add(label);
                } else {
                    secrets.add(secret.trim().getBytes(StandardCharsets.UTF_8));
                    found.add(label);
                }
            }
        }
        if (firstNamed == null) {
            throw new ConfigurationException(WebhookParams.SECRET_ENV, null,
                    "a webhook-scope filter needs its secret: name an environment variable (" + WebhookParams.SECRET_ENV
                            + "), a system property (" + WebhookParams.SECRET_PROPERTY + ") or a file ("
                            + WebhookParams.SECRET_FILE + "), several comma-separated for rotation; never the secret itself");
        }
        if (secrets.isEmpty()) {
            throw new ConfigurationException(firstNamed, params.get(firstNamed),
                    "names that hold a secret, but none does (" + String.join(", ", missing) + " not set or empty)");
        }
        return new WebhookSecrets(secrets, found, missing);
    }

    private static String lookup(String param, String name, Function<String, String> env,
                                 Function<String, String> properties) {
        if (WebhookParams.SECRET_ENV.equals(param)) {
            return env.apply(name);
        }
        if (WebhookParams.SECRET_PROPERTY.equals(param)) {
            return properties.apply(name);
        }
        try {
            return new String(Files.readAllBytes(Paths.get(name)), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The secrets' bytes (UTF-8 of the trimmed values), in the order they were named. */
    List<byte[]> secrets() {
        return secrets;
    }

    /** Where the secrets were found, e.g. {@code environment variable WEBHOOK_SECRET}; never their values. */
    public List<String> found() {
        return found;
    }

    /** Named places that held no secret. */
    public List<String> missing() {
        return missing;
    }
}
