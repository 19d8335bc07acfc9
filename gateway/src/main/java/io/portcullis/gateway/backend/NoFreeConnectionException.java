package io.portcullis.gateway.backend;

import java.io.IOException;

/**
 * No connection to the backend became free within the connect timeout: the gateway's own limit
 * ({@code gateway.upstream.max-connections}) was reached, not a fault of the backend.
 */
public final class NoFreeConnectionException extends IOException {

    public NoFreeConnectionException(String message) {
        super(message);
    }
}
