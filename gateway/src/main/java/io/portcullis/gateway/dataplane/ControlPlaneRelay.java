package io.portcullis.gateway.dataplane;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AttributeKey;
import io.portcullis.gateway.web.RelaySecret;
import io.portcullis.gateway.web.RequestIdFilter;
import java.net.InetSocketAddress;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The route for everything that is not the client API: relays the request to the control plane's
 * Tomcat on its loopback port and streams the answer back unchanged, as if Tomcat itself were on
 * {@code server.port}. Each client connection gets its own connection to Tomcat, opened at its
 * first relayed request, reused for the next ones and closed with it, on the client connection's
 * event loop (so the two sides never need a lock). Bodies stream both ways a part at a time, with
 * backpressure: the side that reads stops reading while the other cannot take more.
 *
 * <p>Every relayed request carries the client's address as the front door decided it, the
 * process's {@link RelaySecret} (both overwriting anything the client sent under those names) and
 * the request id; Tomcat's {@code web.RelayedClientValve} believes the address only with the secret
 * and from loopback.
 */
public final class ControlPlaneRelay implements Route {

    private static final AttributeKey<RelayedConnection> CONNECTION =
            AttributeKey.valueOf(ControlPlaneRelay.class, "connection");
    /** Tomcat's own limit on request headers is 8 KiB; its answers (CSP, cookies) stay well inside this. */
    private static final int MAX_RESPONSE_HEADER_BYTES = 64 * 1024;
    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;

    private final Supplier<InetSocketAddress> address;
    private final RelaySecret secret;
    private final Consumer<RelayOutcome> outcomes;

    /** Relays to the address Tomcat was given when it started. */
    public ControlPlaneRelay(ControlPlaneAddress address, RelaySecret secret) {
        this(address::address, secret);
    }

    /** Relays to the address the supplier names at each new connection (Tomcat's port is known only once it listens). */
    public ControlPlaneRelay(Supplier<InetSocketAddress> address, RelaySecret secret) {
        this(address, secret, RelayOutcome.uncounted());
    }

    /** As {@link #ControlPlaneRelay(Supplier, RelaySecret)}, counting how relayed requests end ({@link RelayOutcome}). */
    ControlPlaneRelay(Supplier<InetSocketAddress> address, RelaySecret secret, MeterRegistry registry) {
        this(address, secret, RelayOutcome.counters(registry));
    }

    private ControlPlaneRelay(Supplier<InetSocketAddress> address, RelaySecret secret, Consumer<RelayOutcome> outcomes) {
        this.address = address;
        this.secret = secret;
        this.outcomes = outcomes;
    }

    @Override
    public RequestSink begin(Channel client, HttpRequest head, String clientAddress, String requestId,
                             Consumer<Boolean> answered) {
        var relayed = new DefaultHttpRequest(head.protocolVersion(), head.method(), head.uri(), head.headers().copy());
        relayed.headers()
                .set(RelaySecret.CLIENT_ADDRESS_HEADER, clientAddress)
                .set(RelaySecret.SECRET_HEADER, secret.value())
                .set(RequestIdFilter.HEADER, requestId);
        RelayedConnection connection = client.attr(CONNECTION).get();
        if (connection == null) {
            RelayedConnection opened = new RelayedConnection(client, this::connect, outcomes);
            client.attr(CONNECTION).set(opened);
            client.closeFuture().addListener(f -> opened.clientGone());
            connection = opened;
        }
        return connection.begin(relayed, requestId, answered);
    }

    /** Opens a connection to Tomcat on the client's event loop, with {@code handler} reading its answers. */
    private ChannelFuture connect(Channel client, RelayedConnection.Upstream handler) {
        return new Bootstrap()
                .group(client.eventLoop())
                .channel(client.getClass()) // the same transport as the client's (epoll or NIO), as its event loop needs
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(
                                new HttpDecoderConfig().setMaxHeaderSize(MAX_RESPONSE_HEADER_BYTES), false, false));
                        ch.pipeline().addLast(handler);
                    }
                })
                .connect(address.get());
    }
}
