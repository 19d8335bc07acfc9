package io.portcullis.gateway.backend;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A request body written to the backend as it is sent rather than handed over as one array: an
 * upload re-encoded from a spooled file (the multipart endpoints), so its size costs no heap.
 * It may be written more than once (one attempt after another), each time from its start.
 */
public interface StreamedBody {

    /** The full {@code Content-Type}, boundary included. */
    String contentType();

    /** The exact number of bytes {@link #writeTo} writes. */
    long length();

    /**
     * Writes the whole body from its start.
     *
     * @param progress told before each chunk, so a backend that stops reading is timed out
     */
    void writeTo(OutputStream out, Runnable progress) throws IOException;
}
