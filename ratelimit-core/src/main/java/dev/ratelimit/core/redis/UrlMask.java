package dev.ratelimit.core.redis;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Redis URLs and node lists made safe for logs and messages: every password replaced by {@code ***}. */
final class UrlMask {

    private static final Pattern SCHEME = Pattern.compile("\\s*[A-Za-z][A-Za-z0-9+.-]*://");

    private UrlMask() {
    }

    /**
     * The text (a URL, or a list of nodes) with every password replaced by {@code ***}. A password may hold
     * {@code / @ : #}: everything from the scheme's {@code //} (or the start) to the last {@code @} is user
     * info, of which only the user before the first {@code :} is kept.
     */
    static String mask(String text) {
        if (text == null) {
            return null;
        }
        int end = text.lastIndexOf('@');
        Matcher scheme = SCHEME.matcher(text);
        int start = scheme.lookingAt() ? scheme.end() : 0;
        if (end < start) {
            return withoutQuery(text, start);
        }
        String info = text.substring(start, end);
        int colon = info.indexOf(':');
        String user = colon < 0 ? "" : info.substring(0, colon);
        String shown = colon < 0 || user.indexOf('@') >= 0 || user.indexOf('/') >= 0 ? "***" : user + ":***";
        return text.substring(0, start) + shown + withoutQuery(text.substring(end), 0);
    }

    /** A query or fragment ({@code ?password=…}, refused anyway) is never shown: it may hold a secret. */
    private static String withoutQuery(String text, int from) {
        int query = -1;
        for (int i = from; i < text.length() && query < 0; i++) {
            if (text.charAt(i) == '?' || text.charAt(i) == '#') {
                query = i;
            }
        }
        return query < 0 ? text : text.substring(0, query) + "?***";
    }
}
