package io.portcullis.gateway.proxy;

import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.http.HttpServletRequest;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.RequestFacade;
import org.apache.coyote.http11.Http11InputBuffer;
import org.apache.tomcat.util.net.SocketWrapperBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shortens the read timeout of the connection a request body arrives on, so that a blocking read
 * ends at the body's absolute deadline rather than after Tomcat's whole per-read timeout
 * ({@code server.tomcat.connection-timeout}). A client that sends headers and then nothing would
 * otherwise hold its reservation and thread for that long past the deadline. The request path
 * reaches it as {@link ServletExchange#limitReadTime}; the data plane bounds its reads itself.
 *
 * <p>The servlet API offers no per-request read timeout, so this reaches Tomcat's socket wrapper
 * (the HTTP/1.1 connector's own): two private fields, looked up once. Should a Tomcat release move
 * them, the lookup fails once with a warning and the deadline is then checked between reads only
 * (each read still bounded by the connection timeout); {@code RequestBodyBudgetTest} catches it.
 */
final class SocketReadTimeout {

    private static final Logger log = LoggerFactory.getLogger(SocketReadTimeout.class);
    private static final VarHandle FACADE_REQUEST;
    private static final VarHandle INPUT_WRAPPER;

    static {
        VarHandle facade = null;
        VarHandle wrapper = null;
        try {
            facade = MethodHandles.privateLookupIn(RequestFacade.class, MethodHandles.lookup())
                    .findVarHandle(RequestFacade.class, "request", Request.class);
            wrapper = MethodHandles.privateLookupIn(Http11InputBuffer.class, MethodHandles.lookup())
                    .findVarHandle(Http11InputBuffer.class, "wrapper", SocketWrapperBase.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.warn("Cannot reach Tomcat's socket read timeout ({}); request body deadlines are checked between "
                    + "reads only", e.toString());
            facade = null;
            wrapper = null;
        }
        FACADE_REQUEST = facade;
        INPUT_WRAPPER = wrapper;
    }

    private final SocketWrapperBase<?> socket;
    private final long original;
    private boolean shortened;

    private SocketReadTimeout(SocketWrapperBase<?> socket) {
        this.socket = socket;
        this.original = socket == null ? 0 : socket.getReadTimeout();
    }

    /** The connection under {@code request}, or a stand-in that changes nothing when it cannot be reached. */
    static SocketReadTimeout of(HttpServletRequest request) {
        return new SocketReadTimeout(socketOf(request));
    }

    /** Makes the next blocking read give up after {@code millis} at most (never longer than configured). */
    void limitTo(long millis) {
        if (socket == null) {
            return;
        }
        long timeout = Math.max(1, millis);
        if (original > 0 && timeout >= original) {
            return;
        }
        socket.setReadTimeout(timeout);
        shortened = true;
    }

    /** Puts the connection's own timeout back, for what remains of the request and the next one. */
    void restore() {
        if (shortened) {
            socket.setReadTimeout(original);
            shortened = false;
        }
    }

    private static SocketWrapperBase<?> socketOf(HttpServletRequest request) {
        if (FACADE_REQUEST == null) {
            return null;
        }
        ServletRequest unwrapped = request;
        while (unwrapped instanceof ServletRequestWrapper wrapper) {
            unwrapped = wrapper.getRequest();
        }
        if (unwrapped instanceof RequestFacade facade
                && FACADE_REQUEST.get(facade) instanceof Request connectorRequest
                && connectorRequest.getCoyoteRequest().getInputBuffer() instanceof Http11InputBuffer input) {
            return (SocketWrapperBase<?>) INPUT_WRAPPER.get(input);
        }
        return null;
    }
}
