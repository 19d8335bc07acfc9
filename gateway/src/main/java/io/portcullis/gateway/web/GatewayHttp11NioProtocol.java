package io.portcullis.gateway.web;

import org.apache.coyote.Processor;
import org.apache.coyote.http11.Http11NioProtocol;
import org.apache.tomcat.util.net.NioChannel;

/**
 * Tomcat's HTTP/1.1 NIO connector without per-processor JMX registration.
 *
 * <p>Tomcat registers every request processor it creates (an {@code ObjectName} built and a
 * request-statistics entry added) inside a monitor on the connection handler, even when the
 * MBean registry is disabled, as Spring Boot leaves it. Under virtual threads a burst that needs
 * new processors turned that monitor into a convoy: each hand-over waited for the next owner to
 * get a carrier behind thousands of runnable requests, and one overload test found 3,520 of
 * 12,775 threads queued there while the heap filled (docs/performance.md, finding 12). The
 * statistics it feeds are only readable through JMX, which is off; the gateway's own meters
 * time every request. Everything else is Tomcat's.
 */
public class GatewayHttp11NioProtocol extends Http11NioProtocol {

    public GatewayHttp11NioProtocol() {
        ConnectionHandler<NioChannel> handler = new UnregisteredConnectionHandler(this);
        setHandler(handler);
        getEndpoint().setHandler(handler);
    }

    private static final class UnregisteredConnectionHandler extends ConnectionHandler<NioChannel> {

        UnregisteredConnectionHandler(GatewayHttp11NioProtocol protocol) {
            super(protocol);
        }

        @Override
        protected void register(Processor processor) {
            // nothing to publish: the MBean registry is disabled (see the class comment)
        }

        @Override
        protected void unregister(Processor processor) {
            // registered nowhere, so nothing to take back
        }
    }
}
