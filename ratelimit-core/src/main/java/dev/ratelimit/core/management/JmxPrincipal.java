package dev.ratelimit.core.management;

import java.lang.reflect.Method;
import java.security.AccessControlContext;
import java.security.AccessController;
import java.security.Principal;
import java.util.Set;

import javax.security.auth.Subject;

/**
 * Who called a JMX operation: the principals of the caller's {@link Subject}, which a JMX connector with
 * authentication sets for the call; null when there is none (a local attach, or no authentication).
 */
final class JmxPrincipal {

    private JmxPrincipal() {
    }

    /** The caller's principals joined by commas, or null. */
    @SuppressWarnings("removal")
    static String current() {
        Subject subject;
        try {
            AccessControlContext context = AccessController.getContext();
            subject = Subject.getSubject(context);
        } catch (UnsupportedOperationException e) {
            // Java 23 and later: the Subject travels as Subject.current() instead.
            subject = currentSubject();
        }
        if (subject == null) {
            return null;
        }
        Set<Principal> principals = subject.getPrincipals();
        if (principals.isEmpty()) {
            return null;
        }
        StringBuilder names = new StringBuilder();
        for (Principal principal : principals) {
            names.append(names.length() == 0 ? "" : ",").append(principal.getName());
        }
        return names.toString();
    }

    private static Subject currentSubject() {
        try {
            Method current = Subject.class.getMethod("current");
            return (Subject) current.invoke(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
