package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.ratelimit.core.Answer;
import dev.ratelimit.core.ConfigParams;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.DecisionSource;
import dev.ratelimit.core.Policy;
import dev.ratelimit.core.PolicyParams;
import dev.ratelimit.core.RateLimitResponse;

/**
 * Every refusal core can build, problem format, written by {@link AnswerWriter} on a real Tomcat 9: status,
 * content type and body reach the client as built; this covers {@code ACCESS_DENIED} too, which no
 * limiter of this version answers yet (live policies will).
 */
class AnswerWriterTest {

    private static final Policy POLICY = PolicyParams.read(new ConfigParams(Map.of(
            "limits", "5/1m", "headers", "both", "error-format", "problem")::get), "writer");
    private static final Map<String, Answer> ANSWERS = new LinkedHashMap<>();

    static {
        ANSWERS.put("ACCESS_DENIED", RateLimitResponse.accessDenied(POLICY));
        ANSWERS.put("INVALID_SIGNATURE", RateLimitResponse.invalidSignature(POLICY));
        ANSWERS.put("REPLAYED_WEBHOOK", RateLimitResponse.replayedWebhook(POLICY));
        ANSWERS.put("PAYLOAD_TOO_LARGE", RateLimitResponse.payloadTooLarge(10, POLICY));
        ANSWERS.put("RATE_LIMIT_EXCEEDED", RateLimitResponse.answer(
                Decision.denied(5, 0, 0, 9_000, DecisionSource.REDIS).boundBy(0, 9_000).decidedBy(POLICY)));
        ANSWERS.put("RATE_LIMITER_UNAVAILABLE", RateLimitResponse.answer(
                Decision.denied(0, 0, 0, 1_000, DecisionSource.BYPASS).decidedBy(POLICY)));
    }

    private static EmbeddedTomcat tomcat;

    /** Answers the request with the answer its query names, as the filter would. */
    static final class WritingServlet extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            AnswerWriter.write(response, ANSWERS.get(request.getQueryString()));
        }
    }

    @BeforeAll
    static void start() {
        tomcat = new EmbeddedTomcat();
        tomcat.deploy("/writer", List.of(), Map.of(), new WritingServlet());
    }

    @AfterAll
    static void stop() {
        tomcat.close();
    }

    @Test
    void every_refusal_reaches_the_client_as_built() {
        for (Map.Entry<String, Answer> entry : ANSWERS.entrySet()) {
            Answer answer = entry.getValue();
            HttpResponse<String> response = tomcat.get("/writer/x?" + entry.getKey());
            assertThat(response.statusCode()).as(entry.getKey()).isEqualTo(answer.status());
            assertThat(response.headers().firstValue("Content-Type")).as(entry.getKey())
                    .hasValue("application/problem+json;charset=UTF-8");
            assertThat(response.body()).isEqualTo(answer.body());
            JsonObject problem = JsonParser.parseString(response.body()).getAsJsonObject();
            assertThat(problem.get("code").getAsString()).isEqualTo(entry.getKey());
            assertThat(problem.get("status").getAsInt()).isEqualTo(answer.status());
            for (Map.Entry<String, String> header : answer.headers().entrySet()) {
                assertThat(response.headers().allValues(header.getKey())).as(header.getKey()).containsExactly(header.getValue());
            }
        }
    }
}
