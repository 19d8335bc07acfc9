package io.portcullis.gateway.proxy;

import io.portcullis.gateway.web.ApiError;
import io.portcullis.gateway.web.ClientExchange;
import io.portcullis.gateway.web.ErrorWriter;
import java.io.IOException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The proxied endpoints of the client API ({@code POST /v1/chat/completions}, {@code /v1/completions},
 * {@code /v1/embeddings}, {@code /v1/messages}, {@code /v1/responses}, the audio, image and
 * moderation endpoints), for whichever server accepted the request: Tomcat through
 * {@link ProxyServlet}, or the Netty data plane. It picks the endpoint, refuses other methods
 * (405, {@code Allow: POST}) and answers what the request path did not handle in the contract's
 * shape, so that every server answers the same.
 */
@Component("proxyClientApi") // "clientApi" is the security filter chain of these paths (SecurityConfiguration)
public class ClientApi {

    private static final Logger log = LoggerFactory.getLogger(ClientApi.class);
    /** The exact paths served, each its endpoint: no prefix, no trailing slash. */
    static final Map<String, Endpoint> PATHS = Map.ofEntries(
            Map.entry("/v1/chat/completions", Endpoint.CHAT_COMPLETIONS),
            Map.entry("/v1/completions", Endpoint.COMPLETIONS),
            Map.entry("/v1/embeddings", Endpoint.EMBEDDINGS),
            Map.entry("/v1/messages", Endpoint.MESSAGES),
            Map.entry("/v1/responses", Endpoint.RESPONSES),
            Map.entry("/v1/audio/transcriptions", Endpoint.TRANSCRIPTIONS),
            Map.entry("/v1/audio/translations", Endpoint.TRANSLATIONS),
            Map.entry("/v1/audio/speech", Endpoint.SPEECH),
            Map.entry("/v1/images/generations", Endpoint.IMAGE_GENERATIONS),
            Map.entry("/v1/images/edits", Endpoint.IMAGE_EDITS),
            Map.entry("/v1/moderations", Endpoint.MODERATIONS));

    private final ProxyHandler handler;

    ClientApi(ProxyHandler handler) {
        this.handler = handler;
    }

    /** Whether {@code path} (without its query) is one of the endpoints served here, exactly. */
    public boolean serves(String path) {
        return PATHS.containsKey(path);
    }

    /**
     * Serves one request to the client API, on the calling thread (blocking: a virtual thread,
     * never an event loop). A path that is not {@link #serves served} here is answered 404.
     *
     * @throws IOException only when the client left before any of the answer was sent; once the
     *                     answer has started, a client that leaves is the request's own ending
     */
    public void serve(ClientExchange exchange) throws IOException {
        Endpoint endpoint = PATHS.get(exchange.path());
        if (endpoint == null) {
            ErrorWriter.write(exchange, ApiError.notFound("No such endpoint"));
            return;
        }
        serve(endpoint, exchange);
    }

    /**
     * Answers 503 {@code overloaded} at once, on the calling thread, which may be an event loop:
     * the server refused the request as it arrived, before reading its body or its key. Writes
     * the answer into {@code exchange} and never blocks.
     */
    public void shedOnArrival(ClientExchange exchange) throws IOException {
        Endpoint endpoint = PATHS.get(exchange.path());
        if (endpoint == null) {
            ErrorWriter.write(exchange, ApiError.notFound("No such endpoint"));
            return;
        }
        handler.shedOnArrival(endpoint, exchange);
    }

    /** Serves a request whose endpoint the server picked itself (a servlet mapping). */
    void serve(Endpoint endpoint, ClientExchange exchange) throws IOException {
        if (!"POST".equals(exchange.method())) {
            exchange.header("Allow", "POST");
            ErrorShape.of(endpoint).write(exchange, ApiError.ofStatus(405, "Method not allowed on this endpoint"));
            return;
        }
        try {
            handler.handle(endpoint, exchange);
        } catch (IOException e) {
            if (!exchange.committed()) {
                throw e;
            } // the client went away mid-answer; nothing to tell it
        } catch (RuntimeException e) {
            log.error("Unhandled error on {} {} (request {})", exchange.method(), exchange.path(),
                    exchange.requestId(), e);
            if (!exchange.committed()) {
                ErrorShape.of(endpoint).write(exchange, ApiError.internal());
            }
        }
    }
}
