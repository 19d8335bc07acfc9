package io.portcullis.gateway.backend;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code gateway.upstream.*}: the shared HTTP client used to reach backends ({@link UpstreamClient}),
 * and what backends managed through the admin API may be.
 *
 * @param connectTimeout  time allowed to open a connection to a backend (then the next deployment is tried)
 * @param responseTimeout time allowed until the backend's response headers arrive, the "first byte" (504 after)
 * @param idleTimeout     longest gap allowed between two reads of a backend's answer, streams included;
 *                        a stalled backend is cut off after it rather than holding the client forever
 * @param maxConnections  most connections open to any one backend address, and in all; a call that finds
 *                        none free waits up to the connect timeout, then fails with 503. Each open stream
 *                        holds one.
 * @param encryptionKey   base64 AES key (16, 24 or 32 bytes) sealing the upstream API keys of backends
 *                        managed through the admin API ({@code GATEWAY_UPSTREAM_ENCRYPTION_KEY}); the
 *                        same on every replica. Without it, managed backends cannot carry an API key.
 *                        Checked by {@link UpstreamKeySealer}, the one that decodes it
 * @param allowedHosts    where backends managed through the admin API may point: exact host names,
 *                        {@code *.example.com}, IP addresses or CIDR ranges, each optionally with
 *                        {@code :port} ({@code [v6]:port} for IPv6); empty: any host. Loopback,
 *                        link-local (cloud metadata), unspecified addresses and the gateway's own
 *                        ports are refused unless a pattern names them ({@link UpstreamDestinations},
 *                        which also parses them). Configured backends are not held to it.
 * @param client          which implementation calls backends: {@code netty} (the default) or {@code apache},
 *                        the blocking client kept as a fallback ({@link UpstreamClientKind})
 * @param http2Hosts      backends that speak HTTP/2, in the form of {@code allowed-hosts}: over {@code https}
 *                        negotiated by ALPN (OpenAI, Anthropic and Gemini's APIs do), over {@code http} with
 *                        prior knowledge (h2c: an Envoy or mesh sidecar in front of vLLM); their calls are
 *                        streams on a few shared connections ({@link Http2Hosts}). Empty (the default):
 *                        every backend is called over HTTP/1.1. Netty client only
 */
@ConfigurationProperties(UpstreamProperties.PREFIX)
public record UpstreamProperties(@DefaultValue("5s") Duration connectTimeout,
                                 @DefaultValue("300s") Duration responseTimeout,
                                 @DefaultValue("120s") Duration idleTimeout,
                                 @DefaultValue("20000") int maxConnections,
                                 String encryptionKey,
                                 @DefaultValue List<String> allowedHosts,
                                 @DefaultValue("netty") UpstreamClientKind client,
                                 @DefaultValue List<String> http2Hosts) {

    public static final String PREFIX = "gateway.upstream";

    public UpstreamProperties {
        if (connectTimeout.isNegative() || connectTimeout.isZero() || responseTimeout.isNegative()
                || responseTimeout.isZero() || idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("gateway.upstream timeouts must be positive");
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("gateway.upstream.max-connections must be at least 1");
        }
        allowedHosts = List.copyOf(allowedHosts);
        http2Hosts = List.copyOf(http2Hosts);
        Http2Hosts.parse(http2Hosts); // a wrong entry stops the start, naming itself
        if (client == UpstreamClientKind.APACHE && !http2Hosts.isEmpty()) {
            // the Apache client speaks HTTP/1.1 only: those backends would fail every call
            throw new IllegalArgumentException("gateway.upstream.http2-hosts needs gateway.upstream.client=netty");
        }
    }

    @Override
    public String toString() {
        return "UpstreamProperties[connectTimeout=" + connectTimeout + ", responseTimeout=" + responseTimeout
                + ", idleTimeout=" + idleTimeout + ", maxConnections=" + maxConnections + ", encryptionKey="
                + (encryptionKey == null ? "unset" : "***") + ", allowedHosts=" + allowedHosts + ", client=" + client + ", http2Hosts=" + http2Hosts + "]";
    }
}
