package dev.ratelimit.example;

import java.io.IOException;

import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

/** {@code /admin/*}: an operator's endpoint; its limit fails closed when Redis is away. */
public class AdminServlet extends JsonServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        writeJson(response, 200, "{\"status\":\"ok\",\"server\":" + quote(getServletContext().getServerInfo()) + "}");
    }
}
