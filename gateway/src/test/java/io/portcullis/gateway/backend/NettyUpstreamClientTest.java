package io.portcullis.gateway.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.gateway.NettyTransport;
import io.portcullis.gateway.backend.UpstreamClient.UpstreamAnswer;
import io.portcullis.gateway.support.SelfSignedCertificate;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Both upstream clients against a raw local HTTP server ({@link RawHttpServer}): connections kept
 * alive and dropped when they must be, the three timeouts, the pool's limit, back-pressure on a
 * slow reader and TLS that refuses an untrusted certificate. Named after the Netty client, the new
 * one; where behaviour is shared the test runs against both.
 */
class NettyUpstreamClientTest {

    private RawHttpServer server;
    private UpstreamClient client;

    @BeforeEach
    void startServer() throws IOException {
        server = new RawHttpServer();
    }

    @AfterEach
    void stop() throws IOException {
        if (client != null) {
            client.close();
        }
        server.close();
    }

    private UpstreamClient client(UpstreamClientKind kind, Duration connect, Duration response, Duration idle,
                                  int maxConnections) {
        var config = new UpstreamProperties(connect, response, idle, maxConnections, null, List.of(), kind, List.of());
        client = kind == UpstreamClientKind.NETTY ? new NettyUpstreamClient(config, transport(), UpstreamTls::jdkTrust)
                : new ApacheUpstreamClient(config);
        return client;
    }

    /** What the Netty client's event loops run on: epoll here ({@link NettyUpstreamClientOnIoUringTest}: io_uring). */
    NettyTransport.Choice transport() {
        return NettyTransport.Choice.AUTO;
    }

    private UpstreamClient client(UpstreamClientKind kind) {
        return client(kind, Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(5), 100);
    }

    private static String readAll(UpstreamAnswer answer) throws IOException {
        try (answer) {
            return new String(answer.body().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @ParameterizedTest
    @EnumSource(UpstreamClientKind.class)
    void reusesAKeptAliveConnectionForCallsOneAfterAnother(UpstreamClientKind kind) throws Exception {
        var upstream = client(kind);
        for (int i = 0; i < 5; i++) {
            var answer = upstream.post(server.uri("/ok"), "{}".getBytes(StandardCharsets.UTF_8));
            assertThat(answer.status()).isEqualTo(200);
            assertThat(readAll(answer)).isEqualTo("hello");
        }
        assertThat(server.accepted()).isEqualTo(1);
    }

    /** On the gateway's shared loops (the data plane serves on them too), closing the client closes its connections only. */
    @Test
    void aClientOnSharedLoopsLeavesThemRunningWhenItCloses() throws Exception {
        var loops = new io.portcullis.gateway.NettyEventLoops(1);
        var shared = loops.group();
        try {
            var config = new UpstreamProperties(Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(5), 100,
                    null, List.of(), UpstreamClientKind.NETTY, List.of());
            var upstream = new NettyUpstreamClient(config, loops);
            assertThat(readAll(upstream.post(server.uri("/ok"), new byte[0]))).isEqualTo("hello");
            upstream.close();

            // its connection closes on the loop, a moment after close() returns
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                    .until(() -> upstream.openConnections() == 0);
            assertThat(shared.isShuttingDown()).isFalse();
            assertThat(shared.submit(() -> "still serving").get(5, java.util.concurrent.TimeUnit.SECONDS))
                    .isEqualTo("still serving");
        } finally {
            loops.close();
        }
    }

    @Test
    void aConnectionTheServerClosedWhileIdleIsNotUsedAgain() throws Exception {
        var upstream = client(UpstreamClientKind.NETTY);
        assertThat(readAll(upstream.post(server.uri("/idle-close"), new byte[0]))).isEqualTo("ok");
        Thread.sleep(300); // the server closes it 50 ms after answering

        var next = upstream.post(server.uri("/ok"), new byte[0]);
        assertThat(readAll(next)).isEqualTo("hello");
        assertThat(server.accepted()).isEqualTo(2);
        assertThat(((NettyUpstreamClient) upstream).openConnections()).isEqualTo(1);
    }

    @Test
    void retriesOnceOnANewConnectionWhenAKeptAliveOneIsClosedWithoutAnAnswer() throws Exception {
        var upstream = client(UpstreamClientKind.NETTY);
        assertThat(readAll(upstream.post(server.uri("/then-hang-up"), new byte[0]))).isEqualTo("hello");

        assertThat(readAll(upstream.post(server.uri("/ok"), new byte[0]))).isEqualTo("hello");
        assertThat(server.accepted()).isEqualTo(2);
    }

    @Test
    void anAnswerThatCameBeforeTheWholeUploadClosesItsConnection() throws Exception {
        var upstream = client(UpstreamClientKind.NETTY);
        long length = 200L << 20;
        var answer = upstream.post(server.uri("/early"), zeros(length));
        assertThat(answer.status()).isEqualTo(413);
        assertThat(readAll(answer)).isEqualTo("too big");

        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (server.earlyBodyBytes() < 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(server.earlyBodyBytes()).as("body bytes sent before the connection closed")
                .isBetween(0L, length - 1);
        assertThat(readAll(upstream.post(server.uri("/ok"), new byte[0]))).isEqualTo("hello");
        assertThat(server.accepted()).isEqualTo(2);
    }

    @ParameterizedTest
    @EnumSource(UpstreamClientKind.class)
    void doesNotReuseAConnectionAnsweredWithConnectionClose(UpstreamClientKind kind) throws Exception {
        var upstream = client(kind);
        assertThat(readAll(upstream.post(server.uri("/close"), new byte[0]))).isEqualTo("ok");
        assertThat(readAll(upstream.post(server.uri("/close"), new byte[0]))).isEqualTo("ok");
        assertThat(readAll(upstream.post(server.uri("/ok"), new byte[0]))).isEqualTo("hello");
        assertThat(server.accepted()).isEqualTo(3);
    }

    @ParameterizedTest
    @EnumSource(UpstreamClientKind.class)
    void dropsTheConnectionOfAnAnswerClosedBeforeItsEnd(UpstreamClientKind kind) throws Exception {
        var upstream = client(kind);
        var answer = upstream.post(server.uri("/big?n=" + (4 << 20)), new byte[0]);
        assertThat(answer.body().readNBytes(10)).hasSize(10);
        answer.close();

        assertThat(readAll(upstream.post(server.uri("/ok"), new byte[0]))).isEqualTo("hello");
        assertThat(server.accepted()).isEqualTo(2);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (server.closedByClient() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(server.closedByClient()).as("the abandoned connection was closed").isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(UpstreamClientKind.class)
    void givesUpOnAnAnswerWhoseHeadDoesNotComeWithinTheResponseTimeout(UpstreamClientKind kind) {
        var upstream = client(kind, Duration.ofSeconds(1), Duration.ofMillis(300), Duration.ofSeconds(5), 10);
        long start = System.nanoTime();
        assertThatThrownBy(() -> upstream.post(server.uri("/slow-head"), new byte[0]))
                .isInstanceOf(SocketTimeoutException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(250), Duration.ofSeconds(2));
    }

    @ParameterizedTest
    @EnumSource(UpstreamClientKind.class)
    void cutsOffABodyThatStaysSilentLongerThanTheIdleTimeout(UpstreamClientKind kind) throws Exception {
        var upstream = client(kind, Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofMillis(300), 10);
        try (var answer = upstream.post(server.uri("/stall"), new byte[0])) {
            assertThat(answer.status()).isEqualTo(200);
            assertThat(new String(answer.body().readNBytes(5), StandardCharsets.UTF_8)).isEqualTo("first");
            long start = System.nanoTime();
            assertThatThrownBy(() -> answer.body().read()).isInstanceOf(IOException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(250), Duration.ofSeconds(3));
            assertThat(answer.body().timedOut()).isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(UpstreamClientKind.class)
    void saysConnectExceptionWhenNothingListens(UpstreamClientKind kind) throws Exception {
        int port;
        try (var closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }
        var upstream = client(kind);
        assertThatThrownBy(() -> upstream.post(URI.create("http://127.0.0.1:" + port + "/ok"), new byte[0]))
                .isInstanceOf(ConnectException.class);
    }

    @ParameterizedTest
    @EnumSource(UpstreamClientKind.class)
    void saysClosedWithoutAnswerWhenTheServerHangsUpWithoutAByte(UpstreamClientKind kind) {
        var upstream = client(kind);
        assertThatThrownBy(() -> upstream.post(server.uri("/silent"), new byte[0]))
                .isInstanceOf(ClosedWithoutAnswerException.class);
    }

    /**
     * A backend that began its answer has the request: however little of the head arrived, the
     * failure is not "closed without an answer", which callers (and the client itself) may retry.
     */
    @Test
    void aHangUpInTheMiddleOfTheStatusLineIsNotMistakenForNoAnswer() {
        // the Netty client only: Apache's reports any head cut before its status line as no answer
        var upstream = client(UpstreamClientKind.NETTY);
        int before = server.accepted();

        assertThatThrownBy(() -> upstream.post(server.uri("/half-head"), new byte[0]))
                .isInstanceOf(java.io.IOException.class)
                .isNotInstanceOf(ClosedWithoutAnswerException.class);
        assertThat(server.accepted() - before).as("sent once, never retried").isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(UpstreamClientKind.class)
    void saysNoFreeConnectionWithinTheConnectTimeoutWhenThePoolIsFull(UpstreamClientKind kind) throws Exception {
        var upstream = client(kind, Duration.ofMillis(400), Duration.ofSeconds(5), Duration.ofSeconds(5), 1);
        try (var held = upstream.post(server.uri("/big?n=" + (4 << 20)), new byte[0])) {
            assertThat(held.status()).isEqualTo(200);
            long start = System.nanoTime();
            assertThatThrownBy(() -> upstream.post(server.uri("/ok"), new byte[0]))
                    .isInstanceOf(NoFreeConnectionException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(350), Duration.ofSeconds(2));
        }
        // the held answer's connection was dropped on close: the next call gets one
        assertThat(readAll(upstream.post(server.uri("/ok"), new byte[0]))).isEqualTo("hello");
    }

    @Test
    void aSlowReaderMakesTheBackendWaitRatherThanTheGatewayBuffer() throws Exception {
        var upstream = client(UpstreamClientKind.NETTY);
        int size = 10 << 20;
        try (var answer = upstream.post(server.uri("/big?n=" + size), new byte[0])) {
            byte[] buffer = new byte[8192];
            long read = 0;
            for (int i = 0; i < 20; i++) { // about 2 s of a reader taking 8 KiB per 100 ms
                read += Math.max(0, answer.body().read(buffer));
                Thread.sleep(100);
            }
            int peak = ((NettyUpstreamExchange) answer).peakQueuedBytes();
            assertThat(peak).as("bytes queued at most").isLessThanOrEqualTo(AnswerQueue.LIMIT + 128 * 1024);
            for (int n; (n = answer.body().read(buffer)) > 0; ) {
                read += n;
            }
            assertThat(read).isEqualTo(size);
            assertThat(server.bigBytesWritten()).isEqualTo(size);
        }
        assertThat(server.accepted()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(UpstreamClientKind.class)
    void streamsAnUploadWhole(UpstreamClientKind kind) throws Exception {
        var upstream = client(kind);
        long length = 5L << 20;
        var body = zeros(length);
        assertThat(readAll(upstream.post(server.uri("/count"), body))).isEqualTo(Long.toString(length));
        assertThat(readAll(upstream.post(server.uri("/count"), body))).isEqualTo(Long.toString(length));
        assertThat(server.accepted()).isEqualTo(1);
    }

    /** An upload of {@code length} zero bytes, written in chunks of 100,000. */
    static StreamedBody zeros(long length) {
        return new StreamedBody() {
            @Override
            public String contentType() {
                return "application/octet-stream";
            }

            @Override
            public long length() {
                return length;
            }

            @Override
            public void writeTo(OutputStream out, Runnable progress) throws IOException {
                byte[] chunk = new byte[100_000];
                for (long left = length; left > 0; left -= chunk.length) {
                    progress.run();
                    out.write(chunk, 0, (int) Math.min(chunk.length, left));
                }
            }
        };
    }

    @ParameterizedTest
    @EnumSource(UpstreamClientKind.class)
    void sendsARequestWithoutABody(UpstreamClientKind kind) throws Exception {
        var upstream = client(kind);
        var answer = upstream.send("GET", server.uri("/count"));
        assertThat(answer.status()).isEqualTo(200);
        assertThat(readAll(answer)).isEqualTo("0");
        var missing = upstream.send("DELETE", server.uri("/nothing-here"));
        assertThat(missing.status()).isEqualTo(404);
        assertThat(readAll(missing)).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(UpstreamClientKind.class)
    void refusesABackendWhoseCertificateIsNotTrusted(UpstreamClientKind kind, @TempDir Path dir) throws Exception {
        var tls = SelfSignedCertificate.forLoopback(dir).jdkServer();
        try (var https = new RawHttpServer(tls.getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress()))) {
            var upstream = client(kind);
            assertThatThrownBy(() -> upstream.post(https.uri("/ok"), new byte[0]))
                    .isInstanceOf(SSLHandshakeException.class)
                    .hasMessageContaining("certification path");
        }
    }
}
