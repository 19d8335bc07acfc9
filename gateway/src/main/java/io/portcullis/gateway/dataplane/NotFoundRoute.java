package io.portcullis.gateway.dataplane;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.portcullis.gateway.web.ApiError;
import java.util.function.Consumer;

/**
 * The fallback route when no other one (the relay to the control plane) is configured: every
 * request off the client API is 404 in the contract's shape, answered once its body has arrived so
 * that the connection can carry the next request.
 */
final class NotFoundRoute implements Route {

    @Override
    public RequestSink begin(Channel client, HttpRequest head, String clientAddress, String requestId,
                             Consumer<Boolean> answered) {
        String uri = head.uri();
        int query = uri.indexOf('?');
        String path = query < 0 ? uri : uri.substring(0, query); // a query may carry a secret: not echoed
        return new RequestSink() {
            @Override
            public void content(HttpContent part) {
                boolean last = part instanceof LastHttpContent;
                part.release();
                if (last) {
                    client.writeAndFlush(ErrorAnswer.of(ApiError.notFound("No such endpoint: " + path), requestId,
                            false));
                    answered.accept(true);
                }
            }

            @Override
            public void clientClosed() {
                // nothing held
            }
        };
    }
}
