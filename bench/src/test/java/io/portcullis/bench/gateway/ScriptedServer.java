package io.portcullis.bench.gateway;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * An HTTP/1.1 server on 127.0.0.1 on raw sockets for OpenLoop's tests: the {@code n}th request it
 * reads (from 0, over all connections) gets the raw answer {@code script(n)}, sent as is, or none at
 * all when that is null; it closes the connection after an answer that says {@code Connection: close}.
 * A request whose head or body is not the one expected is answered 400.
 */
final class ScriptedServer implements AutoCloseable {

    private final ServerSocket server;
    private final IntFunction<String> script;
    private final String expectedHead;
    private final byte[] expectedBody;
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger accepted = new AtomicInteger();

    /** {@code expectedHead}: the request's head, with {@code %d} where the server's port goes. */
    ScriptedServer(String expectedHead, byte[] expectedBody, IntFunction<String> script) throws IOException {
        this.server = new ServerSocket(0, 500, InetAddress.getLoopbackAddress());
        this.expectedHead = expectedHead.formatted(server.getLocalPort());
        this.expectedBody = expectedBody;
        this.script = script;
        Thread.ofVirtual().start(this::acceptAll);
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/v1/chat/completions");
    }

    int accepted() {
        return accepted.get();
    }

    private void acceptAll() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                accepted.incrementAndGet();
                Thread.ofVirtual().start(() -> serve(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            String head;
            while ((head = readHead(in)) != null) {
                byte[] body = in.readNBytes((int) contentLength(head));
                String answer = head.equals(expectedHead) && Arrays.equals(body, expectedBody)
                        ? script.apply(requests.getAndIncrement())
                        : "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
                if (answer == null) {
                    continue; // never answered: the next request on this connection, if any, is read
                }
                out.write(answer.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                if (answer.toLowerCase(Locale.ROOT).contains("connection: close")) {
                    return;
                }
            }
        } catch (IOException e) {
            // the client closed it
        }
    }

    /** The request's head up to its blank line, or null at the end of the stream. */
    private static String readHead(InputStream in) throws IOException {
        var head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
            matched = (b == '\r' && matched % 2 == 0) || (b == '\n' && matched % 2 == 1) ? matched + 1 : 0;
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    private static long contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        return 0;
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
