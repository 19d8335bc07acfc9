package io.portcullis.gateway.web;

import org.apache.coyote.Processor;
import org.apache.coyote.http11.Http11NioProtocol;
import org.apache.tomcat.util.net.NioChannel;

/**
 * Tomcat's HTTP/1.1 NIO connector without per-processor JMX registration, and with a smaller
 * response buffer.
 *
 * <p>Tomcat registers every request processor it creates (an {@code ObjectName} built and a
 * request-statistics entry added) inside a monitor on the connection handler, even when the
 * MBean registry is disabled, as Spring Boot leaves it. Under virtual threads a burst that needs
 * new processors turned that monitor into a convoy: each hand-over waited for the next owner to
 * get a carrier behind thousands of runnable requests, and one overload test found 3,520 of
 * 12,775 threads queued there while the heap filled (docs/performance.md, finding 12). The
 * statistics it feeds are only readable through JMX, which is off; the gateway's own meters
 * time every request.
 *
 * <p>Every request in flight, every open stream included, holds its response's buffer: 8 K bytes
 * and 8 K chars (24 KiB) by default, allocated up front. The gateway writes a whole answer in one
 * call and flushes each stream event as it comes, so a larger buffer would only hold bytes on
 * their way out; {@value #RESPONSE_BUFFER_BYTES} bytes save 18 KiB per stream. Everything else is
 * Tomcat's.
 */
public class GatewayHttp11NioProtocol extends Http11NioProtocol {

    /** The servlet response buffer ({@code ServletResponse.getBufferSize()}) of every request. */
    static final int RESPONSE_BUFFER_BYTES = 2048;

    public GatewayHttp11NioProtocol() {
        ConnectionHandler<NioChannel> handler = new UnregisteredConnectionHandler(this);
        setHandler(handler);
        getEndpoint().setHandler(handler);
    }

    @Override
    public int getDesiredBufferSize() {
        return RESPONSE_BUFFER_BYTES;
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
