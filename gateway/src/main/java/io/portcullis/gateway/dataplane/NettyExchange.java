package io.portcullis.gateway.dataplane;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import io.portcullis.gateway.web.ApiError;
import io.portcullis.gateway.web.ClientExchange;
import io.portcullis.gateway.web.RequestIdFilter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A client-API request on the data plane, seen from its serving virtual thread: the head copied
 * off the event loop, the body as a {@link BodyStream}, and an answer written to the connection
 * as the handler flushes it (status and headers on the first flush, chunked unless a length was
 * set). A write waits, on this virtual thread, while the client reads more slowly than the answer
 * is produced.
 *
 * <p>An answer given before the body has all arrived (a refusal, a shed 503) keeps the connection
 * when what is left of the body is small ({@link #UNREAD_BODY_LIMIT}): the front door then skips
 * the rest as it arrives. A larger or unknown rest, or one the client holds back for a
 * {@code 100 Continue} it never got, closes the connection instead, and the answer says so.
 */
final class NettyExchange implements ClientExchange {

    /**
     * The largest declared body that may be left unread without closing the connection. A body
     * this small has usually arrived with its head, so skipping it costs the event loop a few
     * buffer releases, while a close costs the client a new connection (and TLS handshake) on its
     * next request; a larger one would be received only to be thrown away.
     */
    static final long UNREAD_BODY_LIMIT = BodyStream.HIGH_WATER;

    private static final AsciiString REQUEST_ID = AsciiString.cached(RequestIdFilter.HEADER);

    private final Channel channel;
    private final String method;
    private final String path;
    private final String query;
    private final HttpHeaders requestHeaders;
    private final long requestLength;
    private final boolean chunked;
    private final boolean wantsKeepAlive;
    private final boolean expectsContinue;
    /** Whether {@code 100 Continue} went out: only then is a client that asked for it sending the body. */
    private boolean continued;
    /** Decided when the head is sent: whether the connection carries another request after this answer. */
    private boolean keepsConnection;
    private long waitedNanos;
    private final String remoteAddress;
    private final String requestId;
    private final long writeTimeoutNanos;
    private final BodyStream body;

    private int status = 200;
    /**
     * Names are checked once each by {@link AnswerHeaderNames} rather than char by char on every
     * answer; values are still checked by Netty on every set, so a value with CR, LF or another
     * control character (a backend's content type, say) is refused and can never split the answer.
     */
    private final HttpHeaders answerHeaders =
            DefaultHttpHeadersFactory.headersFactory().withNameValidation(false).newHeaders();
    private long answerLength = -1;
    private boolean committed;
    /**
     * What the answer's body may hold before it is sent without waiting for a flush: an answer up
     * to this size goes out whole with its length; a larger one is chunked as it is written, with
     * back-pressure from the client, as a servlet container's response buffer does.
     */
    static final int SEND_BYTES = 64 * 1024;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private final OutputStream output = new OutputStream() {
        @Override
        public void write(int b) {
            pending.write(b);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            pending.write(bytes, offset, length);
            if (pending.size() >= SEND_BYTES) {
                // a large whole answer goes out as it is written, not held whole in memory
                NettyExchange.this.flush();
            }
        }

        @Override
        public void flush() throws IOException {
            NettyExchange.this.flush();
        }
    };

    /** Called on the event loop: copies what it needs of {@code head}, which is not kept. */
    NettyExchange(Channel channel, HttpRequest head, String remoteAddress, String requestId,
                  DataPlaneProperties properties) {
        this.channel = channel;
        this.method = head.method().name();
        String uri = head.uri();
        int mark = uri.indexOf('?');
        this.path = mark < 0 ? uri : uri.substring(0, mark);
        this.query = mark < 0 ? null : uri.substring(mark + 1);
        this.requestHeaders = head.headers().copy();
        this.chunked = HttpUtil.isTransferEncodingChunked(head);
        this.requestLength = chunked ? -1 : HttpUtil.getContentLength(head, -1L);
        this.wantsKeepAlive = HttpUtil.isKeepAlive(head);
        this.remoteAddress = remoteAddress;
        this.requestId = requestId;
        this.writeTimeoutNanos = properties.writeTimeout().toNanos();
        this.expectsContinue = HttpUtil.is100ContinueExpected(head);
        this.body = new BodyStream(channel, properties.readTimeout().toNanos(),
                expectsContinue ? this::sendContinue : () -> { });
        answerHeaders.set(REQUEST_ID, requestId);
    }

    /** The serving thread's first act: how long it waited to start after the hand-over. */
    void waited(long nanos) {
        this.waitedNanos = nanos;
    }

    /** Where the front door puts the body's parts. */
    RequestSink sink() {
        return body;
    }

    @Override public String method() { return method; }
    @Override public String path() { return path; }
    @Override public String query() { return query; }
    @Override public String header(String name) { return requestHeaders.get(name); }
    @Override public List<String> headers(String name) { return requestHeaders.getAll(name); }
    @Override public Iterable<String> headerNames() { return new LinkedHashSet<>(requestHeaders.names()); }
    @Override public long contentLength() { return requestLength; }
    @Override public String remoteAddress() { return remoteAddress; }
    @Override public String requestId() { return requestId; }
    @Override public long waitedNanos() { return waitedNanos; }
    @Override public InputStream body() { return body; }
    @Override public void limitReadTime(long millis) { body.limitReadTime(millis); }
    @Override public void restoreReadTime() { body.restoreReadTime(); }
    @Override public boolean committed() { return committed; }
    @Override public OutputStream output() { return output; }

    @Override
    public void status(int status) {
        if (!committed) {
            this.status = status;
        }
    }

    @Override
    public void header(String name, String value) {
        if (!committed) {
            answerHeaders.set(AnswerHeaderNames.checked(name), value);
        }
    }

    @Override
    public void contentLength(long length) {
        if (!committed) {
            answerLength = length;
        }
    }

    @Override
    public void resetBuffer() {
        if (!committed) {
            pending.reset();
        }
    }

    @Override
    public void flush() throws IOException {
        if (!channel.isActive()) {
            throw new IOException("The client closed the connection");
        }
        ChannelFuture written = null;
        if (!committed) {
            written = channel.write(head());
        }
        if (pending.size() > 0) {
            written = channel.write(new DefaultHttpContent(drain()));
        }
        if (written != null) {
            channel.flush();
            awaitWritable(written);
        }
    }

    /**
     * A whole answer is held until the handler returns, so that {@link #end()} sends it as one
     * sized answer; one already committed (flushed before) goes on as it began.
     */
    @Override
    public void complete() throws IOException {
        if (committed) {
            flush();
        } else if (!channel.isActive()) {
            throw new IOException("The client closed the connection");
        }
    }

    /**
     * Completes the answer after the handler returned: what is still buffered, then the end of
     * the body. An answer never flushed gets its length, so a small one goes out whole.
     *
     * @return whether the connection may carry another request
     */
    boolean end() throws IOException {
        body.discard();
        if (!channel.isActive()) {
            return false;
        }
        if (!committed && answerLength < 0) {
            answerLength = pending.size();
        }
        ChannelFuture last;
        if (!committed) {
            // head, body and end as one message: one write task, one wake-up of the event loop
            DefaultHttpResponse head = head();
            last = channel.writeAndFlush(new DefaultFullHttpResponse(head.protocolVersion(), head.status(), drain(),
                    head.headers(), EmptyHttpHeaders.INSTANCE));
        } else {
            last = channel.writeAndFlush(new DefaultLastHttpContent(drain()));
        }
        if (!channel.isWritable()) {
            awaitWritable(last);
        }
        return keepsConnection;
    }

    /**
     * Whether the connection survives this answer even though the body has not all arrived: only
     * when the rest is declared and small, and will come ({@link #UNREAD_BODY_LIMIT}).
     */
    private boolean restMayBeSkipped() {
        if (!chunked && requestLength <= 0) {
            return true; // no body at all: its end may simply not have reached the stream yet
        }
        return requestLength > 0 && requestLength <= UNREAD_BODY_LIMIT && (!expectsContinue || continued);
    }

    /**
     * The handler failed: before the answer is committed the client gets an error in the
     * contract's shape (408 for a body that stopped arriving, else 500); after, the connection is
     * closed, which tells the client the answer was cut short.
     *
     * @return whether the connection may carry another request (never)
     */
    boolean fail(Throwable failure) {
        body.discard();
        if (committed || !channel.isActive()) {
            channel.close();
            return false;
        }
        ApiError error = failure instanceof SocketTimeoutException ? ApiError.requestTimeout() : ApiError.internal();
        committed = true;
        channel.writeAndFlush(ErrorAnswer.of(error, requestId, true));
        return false;
    }

    private DefaultHttpResponse head() {
        committed = true;
        if (answerLength >= 0) {
            answerHeaders.set(HttpHeaderNames.CONTENT_LENGTH, answerLength);
            answerHeaders.remove(HttpHeaderNames.TRANSFER_ENCODING);
        } else {
            answerHeaders.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            answerHeaders.remove(HttpHeaderNames.CONTENT_LENGTH);
        }
        keepsConnection = wantsKeepAlive && !body.malformed() && (body.ended() || restMayBeSkipped());
        if (!keepsConnection) {
            answerHeaders.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), answerHeaders);
    }

    private ByteBuf drain() {
        if (pending.size() == 0) {
            return Unpooled.EMPTY_BUFFER;
        }
        ByteBuf bytes = Unpooled.wrappedBuffer(pending.toByteArray());
        pending.reset();
        return bytes;
    }

    /** 100-continue: the client waits for this before it sends the body, so it goes out on the first read. */
    private void sendContinue() {
        if (!committed && channel.isActive()) {
            continued = true;
            channel.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                    Unpooled.EMPTY_BUFFER));
        }
    }

    /**
     * Waits (this virtual thread, never the loop) while the connection's outbound buffer is over
     * its high-water mark, i.e. until this write has reached the socket; a client that reads
     * nothing for the write timeout loses its connection.
     */
    private void awaitWritable(ChannelFuture written) throws IOException {
        if ((channel.isWritable() && !written.isDone()) || channel.eventLoop().inEventLoop()) {
            return; // on the loop itself (an answer given on arrival) there is no waiting
        }
        try {
            if (!written.await(writeTimeoutNanos, TimeUnit.NANOSECONDS)) {
                channel.close();
                throw new SocketTimeoutException("The client read nothing of the answer in time");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("Interrupted while writing the answer");
        }
        if (!written.isSuccess()) {
            throw new IOException("The answer could not be written to the client", written.cause());
        }
    }
}
