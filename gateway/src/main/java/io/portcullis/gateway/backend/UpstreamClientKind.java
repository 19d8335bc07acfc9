package io.portcullis.gateway.backend;

/** Which {@link UpstreamClient} implementation calls backends ({@code gateway.upstream.client}). */
public enum UpstreamClientKind {
    /** {@link NettyUpstreamClient}: non-blocking sockets on the client's own event loops. */
    NETTY,
    /** {@link ApacheUpstreamClient}: Apache HttpClient 5 classic, blocking sockets. */
    APACHE
}
