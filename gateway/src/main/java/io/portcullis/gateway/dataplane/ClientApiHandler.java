package io.portcullis.gateway.dataplane;

import io.portcullis.gateway.web.ClientExchange;
import java.io.IOException;

/**
 * The client API as the data plane serves it: which paths are its own, and how one request is
 * served. {@link #serve} runs on a virtual thread of its own and may block on the body and on the
 * answer's writes; when it returns, the answer is complete.
 */
public interface ClientApiHandler {

    /** Whether {@code path} (as sent, without the query) is one of the client API's endpoints. */
    boolean serves(String path);

    /** Serves one request; an exception before the answer is committed is answered 500 in the contract's shape. */
    void serve(ClientExchange exchange) throws IOException;

    /**
     * Answers 503 {@code overloaded} to a request refused as it arrived: runs on the event loop, so
     * it must read nothing and never block; the answer is written into {@code exchange}.
     */
    void shedOnArrival(ClientExchange exchange) throws IOException;
}
