package dev.ratelimit.servlet;

import java.io.IOException;

import javax.servlet.AsyncEvent;
import javax.servlet.AsyncListener;
import javax.servlet.FilterChain;
import javax.servlet.ServletException;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import dev.ratelimit.core.Answer;
import dev.ratelimit.core.ConcurrencyGate;
import dev.ratelimit.core.Permit;
import dev.ratelimit.core.RateLimitResponse;

/**
 * A request under a concurrency policy: its permit is taken before the chain and given back when the
 * response is complete, that is when the chain returns (normally or by an exception) or, for a request
 * gone asynchronous, when its {@link AsyncListener} hears complete, error or timeout.
 * {@link Permit#release()} gives back once only, so every path may call it.
 */
final class PermitRelease implements AsyncListener {

    private final Permit permit;

    private PermitRelease(Permit permit) {
        this.permit = permit;
    }

    static void around(ConcurrencyGate gate, HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        Permit permit = gate.acquire(new ServletRequestView(request));
        Answer answer = RateLimitResponse.answer(permit.decision(), gate.policy());
        try {
            AnswerWriter.write(response, answer);
            if (answer.refuses()) {
                return;
            }
            chain.doFilter(request, response);
        } finally {
            // Also when the chain threw after starting async work: that work still holds the permit. (Tomcat 9
            // ends such a request at once, calling the listener's onError right after the throw, so there the
            // permit comes back before the work ends: AsyncThrowPermitTest.)
            boolean handedOver = request.isAsyncStarted() && listen(request, new PermitRelease(permit));
            if (!handedOver) {
                permit.release();
            }
        }
    }

    private static boolean listen(HttpServletRequest request, AsyncListener listener) {
        try {
            request.getAsyncContext().addListener(listener);
            return true;
        } catch (IllegalStateException e) {
            // The asynchronous request is already over: nothing will tell the listener.
            return false;
        }
    }

    @Override
    public void onComplete(AsyncEvent event) {
        permit.release();
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        permit.release();
    }

    @Override
    public void onError(AsyncEvent event) {
        permit.release();
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // A new asynchronous cycle drops its listeners: stay on it until the response is really complete.
        event.getAsyncContext().addListener(this);
    }
}
