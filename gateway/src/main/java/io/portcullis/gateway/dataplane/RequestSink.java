package io.portcullis.gateway.dataplane;

import io.netty.handler.codec.http.HttpContent;

/** The receiving end of one request's body on a {@link Route}; called on the client connection's event loop. */
interface RequestSink {

    /** The next part of the body (the last is a {@code LastHttpContent}); the sink releases it. */
    void content(HttpContent part);

    /** The client connection closed before the answer was written: give up and release everything. */
    void clientClosed();

    /**
     * The connection's current read is over: every part the client has sent so far has been passed
     * to {@link #content}. Called at least once after the head (more than once when the body takes
     * several reads); a sink that waits for the body's first bytes before starting work starts now.
     */
    default void readComplete() {
    }

    /**
     * Whether a part whose framing broke (a chunk the codec could not decode) is answered by this
     * sink, as a 400 from the request's reader; when not, the front door closes the connection.
     */
    default boolean answersBrokenBody() {
        return false;
    }
}
