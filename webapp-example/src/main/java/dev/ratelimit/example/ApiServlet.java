package dev.ratelimit.example;

import java.io.IOException;

import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

/** {@code /api/*}: answers every path with what was asked, as an ordinary API would. */
public class ApiServlet extends JsonServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = request.getPathInfo() == null ? "/" : request.getPathInfo();
        writeJson(response, 200, "{\"route\":" + quote("/api" + path) + ",\"method\":" + quote(request.getMethod()) + "}");
    }
}
