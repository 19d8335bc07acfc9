package io.portcullis.gateway.proxy;

import io.portcullis.gateway.GatewayProperties;
import io.portcullis.gateway.auth.ApiKeyAuthenticator;
import io.portcullis.gateway.backend.BackendRegistry;
import io.portcullis.gateway.backend.BackendRegistry.Route;
import io.portcullis.gateway.metrics.GatewayMetrics;
import io.portcullis.gateway.web.ApiError;
import io.portcullis.gateway.web.ErrorWriter;
import io.portcullis.gateway.web.GatewayException;
import io.portcullis.gateway.web.RequestIdFilter;
import io.portcullis.policy.AccessPolicy;
import io.portcullis.policy.Decision;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.time.InstantSource;
import org.springframework.stereotype.Component;

/**
 * The request path of the client API, in one place:
 * <ol>
 *   <li>authenticate the key ({@link ApiKeyAuthenticator});</li>
 *   <li>read and check the body, route the model ({@link BackendRegistry});</li>
 *   <li>decide ({@link AccessPolicy}, pure);</li>
 *   <li>forward and relay the answer ({@link UpstreamForwarder});</li>
 *   <li>meter: ledger and metrics ({@link Metering}), whatever happened above.</li>
 * </ol>
 */
@Component
class ProxyHandler {

    private final ApiKeyAuthenticator authenticator;
    private final BackendRegistry backends;
    private final AccessPolicy policy;
    private final UpstreamForwarder forwarder;
    private final Metering metering;
    private final GatewayMetrics metrics;
    private final InstantSource clock;
    private final int maxRequestBytes;

    ProxyHandler(ApiKeyAuthenticator authenticator, BackendRegistry backends, AccessPolicy policy,
                 UpstreamForwarder forwarder, Metering metering, GatewayMetrics metrics, InstantSource clock,
                 GatewayProperties properties) {
        this.authenticator = authenticator;
        this.backends = backends;
        this.policy = policy;
        this.forwarder = forwarder;
        this.metering = metering;
        this.metrics = metrics;
        this.clock = clock;
        this.maxRequestBytes = (int) properties.maxRequestBytes().toBytes();
    }

    void handle(Endpoint endpoint, HttpServletRequest request, HttpServletResponse response) throws IOException {
        var exchange = new Exchange(endpoint, RequestIdFilter.of(request), System.nanoTime(), clock.instant());
        try {
            exchange.caller = authenticator.authenticate(request);
            var body = ClientRequest.parse(endpoint, readBody(request));
            exchange.model = body.model();
            exchange.streamed = body.stream();
            Route route = backends.route(body.model())
                    .orElseThrow(() -> ApiError.modelNotFound(body.model()).toException());
            if (policy.checkModel(exchange.caller.grant(), body.model()) instanceof Decision.Denied denied) {
                throw ApiError.modelNotAllowed(denied.message()).toException();
            }
            exchange.route = route;
            if (body.stream()) {
                metrics.streamOpened();
            }
            try {
                forwarder.forward(exchange, body, route, request, response);
            } finally {
                if (body.stream()) {
                    metrics.streamClosed();
                }
            }
        } catch (GatewayException e) {
            exchange.failed(e.error());
            ErrorWriter.write(response, e.error());
        } finally {
            metering.complete(exchange);
        }
    }

    /** Reads the body, refusing anything over {@code gateway.max-request-bytes} without buffering it. */
    private byte[] readBody(HttpServletRequest request) throws IOException {
        long declared = request.getContentLengthLong();
        if (declared > maxRequestBytes) {
            throw ApiError.requestTooLarge(maxRequestBytes).toException();
        }
        InputStream in = request.getInputStream();
        byte[] body = in.readNBytes(maxRequestBytes + 1);
        if (body.length > maxRequestBytes) {
            throw ApiError.requestTooLarge(maxRequestBytes).toException();
        }
        return body;
    }
}
