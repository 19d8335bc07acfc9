package io.portcullis.gateway.dataplane;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A deliberately small HTTP/1.1 client over a plain socket, so that tests control every byte
 * (pipelining, half-sent heads, 100-continue, closing mid-answer) the way a hostile client would.
 */
final class RawHttp implements AutoCloseable {

    /** One answer's head. */
    record Head(int status, Map<String, String> headers) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RawHttp(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    RawHttp send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    RawHttp send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    Head head() throws IOException {
        String statusLine = line();
        if (statusLine == null) {
            throw new IOException("connection closed before an answer");
        }
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        var headers = new TreeMap<String, String>();
        for (String line = line(); line != null && !line.isEmpty(); line = line()) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
        }
        return new Head(status, headers);
    }

    /** The whole body of an answer with {@code head}. */
    String body(Head head) throws IOException {
        var body = new ByteArrayOutputStream();
        if (head.header("content-length") != null) {
            body.write(in.readNBytes(Integer.parseInt(head.header("content-length"))));
        } else if ("chunked".equalsIgnoreCase(head.header("transfer-encoding"))) {
            for (byte[] chunk = chunk(); chunk.length > 0; chunk = chunk()) {
                body.write(chunk);
            }
        } else {
            body.write(in.readAllBytes());
        }
        return body.toString(StandardCharsets.UTF_8);
    }

    /** The next chunk of a chunked answer (empty: the last one, its trailer read). */
    byte[] chunk() throws IOException {
        String size = line();
        if (size == null) {
            throw new IOException("connection closed inside a chunked answer");
        }
        int length = Integer.parseInt(size.strip(), 16);
        byte[] data = in.readNBytes(length);
        line(); // the CRLF after the data, or the end of the (empty) trailer
        return data;
    }

    /** Reads until the server closes; true when it did (rather than the read timing out). */
    boolean closedByServer() throws IOException {
        try {
            while (in.read() >= 0) {
                // drain
            }
            return true;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (java.net.SocketException e) {
            return true; // reset
        }
    }

    void readTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    private String line() throws IOException {
        var line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                String text = line.toString(StandardCharsets.ISO_8859_1);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
