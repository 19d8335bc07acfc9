package io.portcullis.gateway.backend;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A tiny HTTP/1.1 server on 127.0.0.1 for the upstream clients' tests, written on raw sockets so
 * that it can misbehave on purpose. It counts the connections it accepted, and answers by path:
 * {@code /ok} (kept alive), {@code /close} ({@code Connection: close}), {@code /idle-close} (kept
 * alive, then closed 50 ms later), {@code /big?n=BYTES}, {@code /slow-head} (3 s before the head),
 * {@code /stall} (part of the body, then silence), {@code /silent} (closed without a byte),
 * {@code /count} (the request body's length as the answer), {@code /then-hang-up} (as {@code /ok}, then
 * the next request on that connection is met with a close), {@code /early} (413 as soon as the head
 * arrives, the body then read and counted but never answered).
 */
final class RawHttpServer implements AutoCloseable {

    private final ServerSocket server;
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger closedByClient = new AtomicInteger();
    private final AtomicLong bigBytesWritten = new AtomicLong();
    private final AtomicLong earlyBodyBytes = new AtomicLong(-1);

    RawHttpServer() throws IOException {
        this(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
    }

    RawHttpServer(ServerSocket server) {
        this.server = server;
        Thread.ofVirtual().start(this::acceptAll);
    }

    URI uri(String pathAndQuery) {
        String scheme = server instanceof javax.net.ssl.SSLServerSocket ? "https" : "http";
        return URI.create(scheme + "://127.0.0.1:" + server.getLocalPort() + pathAndQuery);
    }

    int accepted() {
        return accepted.get();
    }

    /** Connections the client closed while the server was still writing or waiting for a request. */
    int closedByClient() {
        return closedByClient.get();
    }

    /** How much of the body an {@code /early} request sent before its connection closed; -1 until then. */
    long earlyBodyBytes() {
        return earlyBodyBytes.get();
    }

    long bigBytesWritten() {
        return bigBytesWritten.get();
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
            boolean hangUpNext = false;
            while (true) {
                String head = readHead(in);
                if (head == null) {
                    closedByClient.incrementAndGet();
                    return;
                }
                if (hangUpNext) {
                    return; // as a server does that closed a kept-alive connection as the request came
                }
                String target = head.substring(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1));
                long length = contentLength(head);
                if (target.equals("/early")) {
                    write(out, "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 7\r\n\r\ntoo big");
                    earlyBodyBytes.set(in.transferTo(OutputStream.nullOutputStream()));
                    return;
                }
                in.skipNBytes(length); // all of it arrived, or EOFException
                hangUpNext = target.equals("/then-hang-up");
                if (!answer(hangUpNext ? "/ok" : target, length, out)) {
                    return;
                }
            }
        } catch (IOException | InterruptedException e) {
            closedByClient.incrementAndGet();
        }
    }

    /** @return whether the connection stays open for another request */
    private boolean answer(String target, long bodyBytes, OutputStream out)
            throws IOException, InterruptedException {
        String path = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
        switch (path) {
            case "/ok" -> write(out, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
            case "/count" -> {
                String body = Long.toString(bodyBytes);
                write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
            }
            case "/close" -> {
                write(out, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
                return false;
            }
            case "/idle-close" -> {
                write(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                Thread.sleep(50);
                return false;
            }
            case "/big" -> {
                long n = Long.parseLong(target.substring(target.indexOf("n=") + 2));
                write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + n + "\r\n\r\n");
                byte[] chunk = new byte[16 * 1024];
                java.util.Arrays.fill(chunk, (byte) 'x');
                for (long left = n; left > 0; left -= chunk.length) {
                    int size = (int) Math.min(chunk.length, left);
                    out.write(chunk, 0, size);
                    bigBytesWritten.addAndGet(size);
                }
                out.flush();
            }
            case "/slow-head" -> {
                Thread.sleep(3000);
                write(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            }
            case "/stall" -> {
                write(out, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nfirst");
                Thread.sleep(10_000);
                return false;
            }
            case "/silent" -> {
                return false;
            }
            case "/half-head" -> {
                // a few bytes of a status line, then gone: the backend had the request and answered
                write(out, "HTTP/1.1 2");
                return false;
            }
            default -> write(out, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        }
        return true;
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
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
