package io.portcullis.gateway.web;

import java.io.IOException;

/**
 * A request body whose framing is broken (a chunk size that is not hexadecimal, say): what follows
 * cannot be read, and the client is at fault, so it is answered 400, not 408.
 */
public final class MalformedBodyException extends IOException {

    public MalformedBodyException(String message) {
        super(message);
    }
}
