package io.portcullis.gateway.backend;

import java.io.IOException;

/**
 * The backend closed the connection without a byte of answer, typically a kept-alive connection
 * it had just dropped: nothing was processed, so another attempt is safe.
 */
public final class ClosedWithoutAnswerException extends IOException {

    public ClosedWithoutAnswerException(String message) {
        super(message);
    }

    public ClosedWithoutAnswerException(String message, Throwable cause) {
        super(message, cause);
    }
}
