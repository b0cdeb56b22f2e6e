package dev.ratelimit.jaxrs;

import java.io.IOException;

import javax.ws.rs.WebApplicationException;
import javax.ws.rs.ext.WriterInterceptor;
import javax.ws.rs.ext.WriterInterceptorContext;

/**
 * Gives a concurrency-limited request's permits back once its entity has been written (or writing it
 * failed), not when the response filters run: a slow {@code StreamingOutput} holds its permit until its
 * last byte. Bound to the resource methods with a concurrency policy only.
 */
final class PermitWriterInterceptor implements WriterInterceptor {

    /**
     * Below every usual priority ({@code Priorities} start at 1000), so it is the outermost interceptor
     * and the permit is held while the others (compression included) write.
     */
    static final int PRIORITY = 0;

    @Override
    public void aroundWriteTo(WriterInterceptorContext context) throws IOException, WebApplicationException {
        try {
            context.proceed();
        } finally {
            HeldPermits.releaseAll(context.getProperty(HeldPermits.PROPERTY));
        }
    }
}
