package dev.ratelimit.example;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

/**
 * {@code /api/export}: an expensive export, streamed as CSV one row at a time over about
 * {@value #ROWS} × {@value #ROW_MILLIS} ms of simulated work. Its filter lets only two run at once per client
 * (algorithm {@code concurrency}), however few requests per minute that is.
 */
public class ExportServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    static final int ROWS = 5;
    static final long ROW_MILLIS = 500;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setContentType("text/csv");
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        PrintWriter out = response.getWriter();
        out.print("row,generated_at\r\n");
        // The header row goes out at once: the client sees the export start while the work goes on.
        out.flush();
        for (int row = 1; row <= ROWS; row++) {
            try {
                Thread.sleep(ROW_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            out.print(row + "," + System.currentTimeMillis() + "\r\n");
            out.flush();
        }
    }
}
