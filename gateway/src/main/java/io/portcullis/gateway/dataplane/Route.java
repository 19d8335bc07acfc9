package io.portcullis.gateway.dataplane;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpRequest;

/**
 * Where the data plane's front door sends one request: served on the data plane itself (the
 * client API, {@code ClientApiRoute}) or relayed to the control plane's server on its loopback
 * port ({@code ControlPlaneRelay}). The front door owns the client connection and its HTTP/1.1
 * codec; it picks a route per request head, then hands it the body's parts in order.
 *
 * <p>Contract with the front door, per request:
 * <ul>
 *   <li>{@link #begin} is called on the connection's event loop with the request head (its
 *       reference count is not transferred: copy what is needed);</li>
 *   <li>each body part is passed to {@link RequestSink#content} on the event loop, the last one a
 *       {@code LastHttpContent}; ownership of each part passes to the sink, which releases it;</li>
 *   <li>the route writes the whole answer to {@code client} itself (an {@code HttpResponse}, its
 *       {@code HttpContent}s, a {@code LastHttpContent}) and then calls {@code answered} exactly
 *       once, on any thread, with whether the connection may carry another request (false closes
 *       it once the writes are flushed); the front door reads no further request before that.
 *       {@code true} while the body is still arriving means the route judged its rest small: the
 *       front door drops it as it comes, then reads the next request;</li>
 *   <li>{@link RequestSink#clientClosed} is called once if the client connection closes before
 *       {@code answered}: the route gives up (cancels the upstream call, releases what it holds).</li>
 * </ul>
 */
interface Route {

    /**
     * Starts serving one request.
     *
     * @param client        the client's connection; write the answer here
     * @param head          the request line and headers (not retained by the caller after this returns)
     * @param clientAddress the client's address as the gateway sees it (after trusted proxies)
     * @param requestId     the request's id, already decided ({@code x-request-id})
     * @param answered      to call once the answer has been written; its argument says whether to keep the connection
     * @return where the request's body parts go
     */
    RequestSink begin(Channel client, HttpRequest head, String clientAddress, String requestId,
                      java.util.function.Consumer<Boolean> answered);
}
