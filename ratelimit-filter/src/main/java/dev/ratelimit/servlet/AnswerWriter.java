package dev.ratelimit.servlet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import javax.servlet.http.HttpServletResponse;

import dev.ratelimit.core.Answer;

/** Writes core's {@link Answer} onto a Servlet response: the one place this adapter answers a client. */
final class AnswerWriter {

    private AnswerWriter() {
    }

    /** The headers (replacing any an outer filter set); for a refusal also the status and body, sent at once. */
    static void write(HttpServletResponse response, Answer answer) throws IOException {
        for (Map.Entry<String, String> header : answer.headers().entrySet()) {
            response.setHeader(header.getKey(), header.getValue());
        }
        if (!answer.refuses()) {
            return;
        }
        // setStatus, not sendError: the container's error page must not replace our body.
        response.setStatus(answer.status());
        response.setContentType(answer.contentType());
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
        // Now, not after the container has drained a body the client may still be sending.
        response.flushBuffer();
    }
}
