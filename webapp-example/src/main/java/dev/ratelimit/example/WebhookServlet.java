package dev.ratelimit.example;

import java.io.IOException;
import java.io.InputStream;

import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

/** {@code /webhooks/*}: accepts a POSTed event and says how many bytes it received. */
public class WebhookServlet extends JsonServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        long bytes = 0;
        byte[] buffer = new byte[8192];
        try (InputStream in = request.getInputStream()) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                bytes += n;
            }
        }
        writeJson(response, 202, "{\"accepted\":true,\"bytes\":" + bytes + "}");
    }
}
