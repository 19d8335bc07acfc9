package io.portcullis.gateway.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.web.RelaySecret;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How the relay moves bodies, against a hand-written server in Tomcat's place that can be slower
 * or ruder than Tomcat: nothing is held whole in memory (a side that cannot keep up stops the
 * other), and an answer cut off by the server never reaches the client looking complete.
 */
class ControlPlaneRelayStreamingTest {

    private static final long BIG = 128L * 1024 * 1024;
    /** Far more than socket buffers and the relay's write watermarks hold, far less than {@link #BIG}. */
    private static final long BOUNDED = 32L * 1024 * 1024;

    private ServerSocket tomcat;
    private RelayFrontDoor door;

    @BeforeEach
    void start() throws IOException {
        tomcat = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        door = new RelayFrontDoor(new ControlPlaneRelay(
                () -> new InetSocketAddress(tomcat.getInetAddress(), tomcat.getLocalPort()), new RelaySecret()));
    }

    @AfterEach
    void stop() throws IOException {
        door.close();
        tomcat.close();
    }

    @Test
    void aSlowReaderHoldsBackTheAnswerInsteadOfItPilingUpInTheRelay() throws Exception {
        var written = new AtomicLong();
        serve(socket -> {
            readHead(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + BIG + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[64 * 1024];
            for (long sent = 0; sent < BIG; sent += chunk.length) {
                out.write(chunk);
                written.addAndGet(chunk.length);
            }
        });
        try (var client = new Socket("127.0.0.1", door.port())) {
            client.setReceiveBufferSize(64 * 1024);
            client.getOutputStream().write("GET /big HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = client.getInputStream();
            readHead(in);

            Thread.sleep(1500);
            assertThat(written.get()).as("bytes the server could write while the client read nothing")
                    .isPositive().isLessThan(BOUNDED);

            client.setSoTimeout(20_000);
            in.skipNBytes(BIG); // throws when the answer ends short
        }
    }

    @Test
    void aSlowServerHoldsBackTheUploadInsteadOfItPilingUpInTheRelay() throws Exception {
        var release = new CountDownLatch(1);
        var received = new AtomicLong();
        serve(socket -> {
            InputStream in = socket.getInputStream();
            readHead(in);
            await(release);
            byte[] chunk = new byte[64 * 1024];
            while (received.get() < BIG) {
                int n = in.read(chunk);
                if (n < 0) {
                    break;
                }
                received.addAndGet(n);
            }
            socket.getOutputStream().write("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        });
        try (var client = new Socket("127.0.0.1", door.port())) {
            var sent = new AtomicLong();
            OutputStream out = client.getOutputStream();
            CompletableFuture<Void> upload = CompletableFuture.runAsync(() -> {
                try {
                    out.write(("POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + BIG + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    byte[] chunk = new byte[64 * 1024];
                    for (long n = 0; n < BIG; n += chunk.length) {
                        out.write(chunk);
                        sent.addAndGet(chunk.length);
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });

            Thread.sleep(1500);
            assertThat(sent.get()).as("bytes the client could send while the server read nothing")
                    .isPositive().isLessThan(BOUNDED);

            release.countDown();
            upload.get(60, TimeUnit.SECONDS);
            assertThat(ControlPlaneRelayTest.readAnswer(client.getInputStream())).startsWith("HTTP/1.1 201");
            assertThat(received).hasValue(BIG);
        }
    }

    @Test
    void anAnswerCutShortByTheServerEndsTheClientConnectionIncomplete() throws Exception {
        serve(socket -> {
            readHead(socket.getInputStream());
            socket.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly this".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            Thread.sleep(200);
            socket.close();
        });
        try (var client = new Socket("127.0.0.1", door.port())) {
            client.setSoTimeout(10_000);
            client.getOutputStream().write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

            String got = new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);

            assertThat(got).startsWith("HTTP/1.1 200").endsWith("only this");
        }
    }

    @Test
    void aServerClosingBeforeAnsweringIsA502InTheContractsShape() throws Exception {
        serve(socket -> {
            readHead(socket.getInputStream());
            socket.close();
        });
        try (var client = new Socket("127.0.0.1", door.port())) {
            client.setSoTimeout(10_000);
            client.getOutputStream().write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

            String got = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

            assertThat(got).startsWith("HTTP/1.1 502").containsIgnoringCase("connection: close")
                    .contains("\"code\":\"upstream_error\"");
        }
    }

    @Test
    void theRelayedRequestCarriesTheFrontDoorsDecisionsAndNotTheClients() throws Exception {
        var head = new CompletableFuture<String>();
        serve(socket -> {
            head.complete(readHead(socket.getInputStream()));
            socket.getOutputStream().write("HTTP/1.1 204 No Content\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        });
        door.clientAddress = "198.51.100.9";
        try (var client = new Socket("127.0.0.1", door.port())) {
            client.getOutputStream().write(("GET /x HTTP/1.1\r\nHost: localhost\r\nX-Request-Id: mine\r\n"
                    + RelaySecret.CLIENT_ADDRESS_HEADER + ": 203.0.113.7\r\n"
                    + RelaySecret.SECRET_HEADER + ": forged\r\nX-Custom: kept\r\n\r\n").getBytes(StandardCharsets.US_ASCII));

            String relayed = head.get(10, TimeUnit.SECONDS).toLowerCase();

            assertThat(relayed).startsWith("get /x http/1.1").contains("x-custom: kept")
                    .contains(RelaySecret.CLIENT_ADDRESS_HEADER + ": 198.51.100.9")
                    .doesNotContain("203.0.113.7").doesNotContain("forged").doesNotContain("x-request-id: mine")
                    .contains("x-request-id: " + door.requestIds.getFirst());
        }
    }

    @Test
    void aGetOnAConnectionTomcatDroppedAsIdleIsSentAgainOnANewOne() throws Exception {
        serveOnceThenDropTheNextRequest(socket -> {
            readHead(socket.getInputStream());
            socket.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nagain".getBytes(StandardCharsets.US_ASCII));
        });
        try (var client = new Socket("127.0.0.1", door.port())) {
            client.setSoTimeout(10_000);
            byte[] get = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            client.getOutputStream().write(get);
            assertThat(ControlPlaneRelayTest.readAnswer(client.getInputStream())).endsWith("first");

            client.getOutputStream().write(get);

            assertThat(ControlPlaneRelayTest.readAnswer(client.getInputStream())).startsWith("HTTP/1.1 200").endsWith("again");
        }
    }

    @Test
    void aPostOnAConnectionTomcatDroppedIsNotSentTwice() throws Exception {
        var second = new AtomicLong();
        serveOnceThenDropTheNextRequest(socket -> second.incrementAndGet());
        try (var client = new Socket("127.0.0.1", door.port())) {
            client.setSoTimeout(10_000);
            client.getOutputStream().write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(ControlPlaneRelayTest.readAnswer(client.getInputStream())).endsWith("first");

            client.getOutputStream().write("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\nhi"
                    .getBytes(StandardCharsets.US_ASCII));

            assertThat(ControlPlaneRelayTest.readAnswer(client.getInputStream())).startsWith("HTTP/1.1 502");
            Thread.sleep(300);
            assertThat(second).hasValue(0);
        }
    }

    /** Answers one request, closes the connection when the next arrives, then serves one more connection. */
    private void serveOnceThenDropTheNextRequest(Handler next) {
        serve(socket -> {
            readHead(socket.getInputStream());
            socket.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst".getBytes(StandardCharsets.US_ASCII));
            readHead(socket.getInputStream());
            socket.close();
            try (Socket again = tomcat.accept()) {
                next.handle(again);
            }
        });
    }

    private interface Handler {
        void handle(Socket socket) throws Exception;
    }

    /** Serves one connection on a thread of its own. */
    private void serve(Handler handler) {
        Thread.ofVirtual().start(() -> {
            try (Socket socket = tomcat.accept()) {
                handler.handle(socket);
            } catch (Exception e) {
                // the test's assertions report what went wrong
            }
        });
    }

    private static String readHead(InputStream in) throws IOException {
        var head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed");
            }
            head.append((char) c);
        }
        return head.toString();
    }

    private static void await(CountDownLatch latch) throws InterruptedException {
        latch.await(60, TimeUnit.SECONDS);
    }
}
