package dev.ratelimit.servlet;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UnsupportedEncodingException;
import java.net.URLDecoder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.servlet.ReadListener;
import javax.servlet.ServletInputStream;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletRequestWrapper;

/**
 * A request whose body was already read (to verify its signature): serves the same bytes through
 * {@link #getInputStream}, {@link #getReader} and, for a form POST, the parameters parsed from them
 * after those of the query string, as the container would have, and no more of them than it would.
 */
final class BufferedBodyRequest extends HttpServletRequestWrapper {

    /**
     * Parameters kept, query string and form together: Tomcat 9's default {@code maxParameterCount}.
     * Those past it are dropped, as Tomcat drops them, so a form of tiny pairs cannot cost a map entry each.
     */
    static final int MAX_PARAMETERS = 10_000;

    private static final String FORM = "application/x-www-form-urlencoded";

    private final byte[] body;
    private ServletInputStream stream;
    private BufferedReader reader;
    private Map<String, String[]> parameters;

    BufferedBodyRequest(HttpServletRequest request, byte[] body) {
        super(request);
        this.body = body;
    }

    @Override
    public ServletInputStream getInputStream() {
        if (stream == null) {
            stream = new BytesInputStream(body);
        }
        return stream;
    }

    @Override
    public BufferedReader getReader() {
        if (reader == null) {
            reader = new BufferedReader(new InputStreamReader(new ByteArrayInputStream(body), charset()));
        }
        return reader;
    }

    @Override
    public String getParameter(String name) {
        String[] values = getParameterMap().get(name);
        return values == null ? null : values[0];
    }

    @Override
    public String[] getParameterValues(String name) {
        String[] values = getParameterMap().get(name);
        return values == null ? null : values.clone();
    }

    @Override
    public Enumeration<String> getParameterNames() {
        return Collections.enumeration(getParameterMap().keySet());
    }

    @Override
    public Map<String, String[]> getParameterMap() {
        if (parameters == null) {
            // The container still parses the query string; it can no longer read the body we consumed.
            Map<String, List<String>> merged = new LinkedHashMap<>();
            int room = MAX_PARAMETERS;
            for (Map.Entry<String, String[]> e : super.getParameterMap().entrySet()) {
                for (String value : e.getValue()) {
                    if (room > 0) {
                        merged.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(value);
                        room--;
                    }
                }
            }
            if (isFormPost()) {
                parseForm(new String(body, StandardCharsets.ISO_8859_1), merged, room);
            }
            Map<String, String[]> result = new LinkedHashMap<>();
            for (Map.Entry<String, List<String>> e : merged.entrySet()) {
                result.put(e.getKey(), e.getValue().toArray(new String[0]));
            }
            parameters = Collections.unmodifiableMap(result);
        }
        return parameters;
    }

    private boolean isFormPost() {
        String type = getContentType();
        return "POST".equalsIgnoreCase(getMethod()) && type != null
                && type.toLowerCase(Locale.ROOT).startsWith(FORM);
    }

    /**
     * The body is ASCII once percent-encoded; the request's charset (ISO-8859-1 by default) decodes the
     * escapes. Stops after {@code room} parameters.
     */
    private void parseForm(String form, Map<String, List<String>> into, int room) {
        String charset = charset().name();
        int left = room;
        for (int start = 0; start < form.length() && left > 0; ) {
            int end = form.indexOf('&', start);
            if (end < 0) {
                end = form.length();
            }
            if (end > start) {
                int eq = form.indexOf('=', start);
                String name = eq < 0 || eq > end ? form.substring(start, end) : form.substring(start, eq);
                String value = eq < 0 || eq > end ? "" : form.substring(eq + 1, end);
                left--;
                try {
                    into.computeIfAbsent(URLDecoder.decode(name, charset), k -> new ArrayList<>())
                            .add(URLDecoder.decode(value, charset));
                } catch (UnsupportedEncodingException | IllegalArgumentException e) {
                    // a malformed pair is skipped, as containers do
                }
            }
            start = end + 1;
        }
    }

    private Charset charset() {
        String encoding = getCharacterEncoding();
        try {
            return encoding == null ? StandardCharsets.ISO_8859_1 : Charset.forName(encoding);
        } catch (IllegalArgumentException e) {
            return StandardCharsets.ISO_8859_1;
        }
    }

    private static final class BytesInputStream extends ServletInputStream {
        private final ByteArrayInputStream in;

        BytesInputStream(byte[] body) {
            this.in = new ByteArrayInputStream(body);
        }

        @Override
        public int read() {
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            return in.read(b, off, len);
        }

        @Override
        public int available() {
            return in.available();
        }

        @Override
        public boolean isFinished() {
            return in.available() == 0;
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
            try {
                if (!isFinished()) {
                    listener.onDataAvailable();
                }
                listener.onAllDataRead();
            } catch (IOException e) {
                listener.onError(e);
            }
        }
    }
}
