package io.portcullis.gateway.dataplane;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpRequest;
import java.io.IOException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client API served on the data plane: each request gets a virtual thread of its own that
 * runs the blocking request path ({@link ClientApiHandler}) against a {@link NettyExchange}, so
 * the event loop only moves bytes.
 */
final class ClientApiRoute implements Route {

    private static final Logger log = LoggerFactory.getLogger(ClientApiRoute.class);

    private final ClientApiHandler handler;
    private final DataPlaneProperties properties;
    /** A factory, unlike a builder, may be shared by every event loop. */
    private final java.util.concurrent.ThreadFactory threads = Thread.ofVirtual().name("client-api-", 0).factory();

    ClientApiRoute(ClientApiHandler handler, DataPlaneProperties properties) {
        this.handler = handler;
        this.properties = properties;
    }

    boolean serves(String path) {
        return handler.serves(path);
    }

    @Override
    public RequestSink begin(Channel client, HttpRequest head, String clientAddress, String requestId,
                             Consumer<Boolean> answered) {
        var exchange = new NettyExchange(client, head, clientAddress, requestId, properties);
        threads.newThread(() -> answered.accept(serve(exchange))).start();
        return exchange.sink();
    }

    /** @return whether the connection may carry another request */
    private boolean serve(NettyExchange exchange) {
        try {
            handler.serve(exchange);
            return exchange.end();
        } catch (IOException e) {
            // the client left or stopped sending: nothing of the server is broken
            log.debug("Client-API request {} ended early: {}", exchange.requestId(), e.toString());
            return exchange.fail(e);
        } catch (RuntimeException | Error e) {
            log.error("Client-API request {} failed", exchange.requestId(), e);
            return exchange.fail(e);
        }
    }
}
