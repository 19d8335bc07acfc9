package io.portcullis.gateway.backend;

import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;

/**
 * The TLS contexts of {@link NettyUpstreamClient}'s {@code https} calls: one for HTTP/1.1, and one
 * that agrees on HTTP/2 by ALPN for the backends {@code gateway.upstream.http2-hosts} names. Each is
 * built at the first connection that needs it: most deployments never call {@code https}.
 */
final class UpstreamTls {

    private UpstreamTls() {
    }

    /** A supplier that asks {@code build} once, at its first use, and keeps what it gave. */
    static Supplier<SslContext> once(Supplier<SslContext> build) {
        return new Supplier<>() {
            private volatile SslContext built;

            @Override
            public SslContext get() {
                SslContext context = built;
                if (context == null) {
                    synchronized (this) {
                        context = built;
                        if (context == null) {
                            built = context = build.get();
                        }
                    }
                }
                return context;
            }
        };
    }

    /** The certificate must name the host; trust: the JDK's default trust store. */
    static SslContextBuilder jdkTrust() {
        return SslContextBuilder.forClient().sslProvider(SslProvider.JDK).endpointIdentificationAlgorithm("HTTPS");
    }

    /**
     * A context for HTTP/1.1, or for HTTP/2: then {@code h2} is the only protocol offered, with the
     * cipher suites HTTP/2 allows (RFC 9113 section 9.2).
     */
    static SslContext context(Supplier<SslContextBuilder> trust, boolean http2) {
        try {
            SslContextBuilder builder = trust.get();
            if (http2) {
                builder.ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                        .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                                ApplicationProtocolNames.HTTP_2));
            }
            return builder.build();
        } catch (SSLException e) {
            throw new IllegalStateException("TLS for backend calls could not be set up", e);
        }
    }
}
