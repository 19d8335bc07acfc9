package io.portcullis.gateway.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.gateway.backend.UpstreamClient.UpstreamAnswer;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.portcullis.gateway.NettyTransport;
import io.portcullis.gateway.support.Http2Backend;
import io.portcullis.gateway.support.SelfSignedCertificate;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Netty client against a real HTTP/2 backend ({@link Http2Backend}: clear text, or TLS agreeing
 * to {@code h2} by ALPN) named in {@code gateway.upstream.http2-hosts}: calls are streams sharing a connection up to the backend's
 * stream limit, a stream that fails or is given up fails alone, and each holds a permit of the
 * pool only while it is open.
 */
class Http2UpstreamTest {

    private Http2Backend backend;
    private NettyUpstreamClient client;

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    /** What the client's event loops run on: epoll here ({@link Http2UpstreamOnIoUringTest}: io_uring). */
    NettyTransport.Choice transport() {
        return NettyTransport.Choice.AUTO;
    }

    private NettyUpstreamClient client(Duration idle, int maxConnections, String... http2Hosts) {
        client = new NettyUpstreamClient(config(idle, maxConnections, http2Hosts), transport(), UpstreamTls::jdkTrust);
        return client;
    }

    private static UpstreamProperties config(Duration idle, int maxConnections, String... http2Hosts) {
        return new UpstreamProperties(Duration.ofSeconds(2), Duration.ofSeconds(10), idle, maxConnections, null,
                List.of(), UpstreamClientKind.NETTY, List.of(http2Hosts));
    }

    /** A client that trusts the certificate, and nothing else. */
    private NettyUpstreamClient trusting(SelfSignedCertificate certificate, String... http2Hosts) {
        client = new NettyUpstreamClient(config(Duration.ofSeconds(10), 100, http2Hosts), transport(),
                () -> SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                        .endpointIdentificationAlgorithm("HTTPS").trustManager(certificate.certificate()));
        return client;
    }

    private static String read(UpstreamAnswer answer) throws IOException {
        try (answer) {
            return new String(answer.body().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void concurrentCallsToAnH2cHostAreStreamsOfOneConnection() throws Exception {
        backend = new Http2Backend(1000);
        var upstream = client(Duration.ofSeconds(10), 100, "127.0.0.1:" + backend.port());

        List<String> answers = callsAtOnce(upstream, 20, "/held");

        assertThat(answers).hasSize(20).allMatch("{\"held\":true}"::equals);
        assertThat(backend.connections()).isEqualTo(1);
        assertThat(upstream.http2Connections()).isEqualTo(1);
        assertThat(backend.peakOpenStreams()).isEqualTo(20);
    }

    @Test
    void opensAnotherConnectionOnceTheBackendsStreamLimitIsReached() throws Exception {
        backend = new Http2Backend(2);
        var upstream = client(Duration.ofSeconds(10), 100, "127.0.0.1");
        assertThat(read(upstream.post(backend.uri("/ok"), new byte[0]))).contains("/ok"); // its settings are known now

        List<String> answers = callsAtOnce(upstream, 5, "/held");

        assertThat(answers).hasSize(5).allMatch("{\"held\":true}"::equals);
        assertThat(backend.connections()).isEqualTo(3);
        assertThat(backend.peakOpenStreams()).isEqualTo(5);
    }

    @Test
    void aStreamTheBackendResetsFailsAloneAndTheConnectionCarriesTheNextCall() throws Exception {
        backend = new Http2Backend(100);
        var upstream = client(Duration.ofSeconds(10), 100, "127.0.0.0/8");

        assertThatThrownBy(() -> read(upstream.post(backend.uri("/reset"), new byte[0])))
                .isInstanceOf(IOException.class);

        assertThat(read(upstream.post(backend.uri("/after"), new byte[0]))).contains("/after");
        assertThat(backend.connections()).isEqualTo(1);
    }

    @Test
    void aStalledStreamIsResetAtTheIdleTimeoutAndTheConnectionLives() throws Exception {
        backend = new Http2Backend(100);
        var upstream = client(Duration.ofMillis(300), 100, "127.0.0.1:" + backend.port());

        UpstreamAnswer stalled = upstream.post(backend.uri("/stall"), new byte[0]);
        assertThat(stalled.status()).isEqualTo(200);
        assertThatThrownBy(() -> read(stalled)).isInstanceOf(IOException.class);

        assertThat(backend.awaitResets(1, 5_000)).as("the backend was told to stop").isTrue();
        assertThat(read(upstream.post(backend.uri("/next"), new byte[0]))).contains("/next");
        assertThat(backend.connections()).isEqualTo(1);
    }

    @Test
    void anAnswerClosedBeforeItsEndResetsItsStream() throws Exception {
        backend = new Http2Backend(100);
        var upstream = client(Duration.ofSeconds(10), 100, "127.0.0.1");

        upstream.post(backend.uri("/stall"), new byte[0]).close();

        assertThat(backend.awaitResets(1, 5_000)).isTrue();
        awaitNoOpenStreams(upstream);
    }

    @Test
    void eachStreamHoldsAPermitOnlyWhileItIsOpen() throws Exception {
        backend = new Http2Backend(100);
        var upstream = client(Duration.ofSeconds(10), 2, "127.0.0.1");

        for (int i = 0; i < 6; i++) {
            assertThat(read(upstream.post(backend.uri("/n" + i), new byte[0]))).contains("/n" + i);
        }
        awaitNoOpenStreams(upstream); // a stream's close (and its permit) is the event loop's, just after the answer

        // two held streams take both permits: a third call waits the connect timeout and is refused
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            var held = List.of(threads.submit(() -> read(upstream.post(backend.uri("/held"), new byte[0]))),
                    threads.submit(() -> read(upstream.post(backend.uri("/held"), new byte[0]))));
            awaitOpenStreams(2);
            assertThatThrownBy(() -> upstream.post(backend.uri("/third"), new byte[0]))
                    .isInstanceOf(NoFreeConnectionException.class);
            backend.release();
            for (Future<String> answer : held) {
                assertThat(answer.get(10, TimeUnit.SECONDS)).isEqualTo("{\"held\":true}");
            }
        }
    }

    @Test
    void sendsTheRequestsHeadersAsHttp2WithTheHostAsAuthority() throws Exception {
        backend = new Http2Backend(100);
        var upstream = client(Duration.ofSeconds(10), 100, "127.0.0.1");

        String seen = read(upstream.post(backend.uri("/headers"), "{}".getBytes(StandardCharsets.UTF_8),
                "Authorization", "Bearer upstream-key", "X-Request-Id", "r-1"));

        assertThat(seen).isNotEmpty();
        assertThat(backend.lastHeaders()).containsEntry("authorization", "Bearer upstream-key")
                .containsEntry("x-request-id", "r-1").containsEntry("content-type", "application/json");
        assertThat(backend.lastHeaders().get("host")).isEqualTo("127.0.0.1:" + backend.port());
        assertThat(backend.lastHeaders()).doesNotContainKeys("connection", "keep-alive", "transfer-encoding");
    }

    @Test
    void aConnectionWhoseBackendSaidGoAwayTakesNoNewStream() throws Exception {
        backend = new Http2Backend(100);
        var upstream = client(Duration.ofSeconds(10), 100, "127.0.0.1");

        assertThat(read(upstream.post(backend.uri("/goaway"), new byte[0]))).contains("goaway");
        assertThat(read(upstream.post(backend.uri("/after"), new byte[0]))).contains("/after");

        assertThat(backend.connections()).isEqualTo(2);
    }

    @Test
    void anAnswerHeadBeyondTheHeaderLimitFailsItsCallAndNoOther() throws Exception {
        backend = new Http2Backend(100);
        var upstream = client(Duration.ofSeconds(10), 100, "127.0.0.1");

        assertThatThrownBy(() -> read(upstream.post(backend.uri("/huge-headers"), new byte[0])))
                .isInstanceOf(IOException.class);

        assertThat(read(upstream.post(backend.uri("/after"), new byte[0]))).contains("/after");
    }

    @Test
    void anAnswerNobodyReadsDoesNotStallTheOtherStreamsOfItsConnection() throws Exception {
        backend = new Http2Backend(100);
        var upstream = client(Duration.ofSeconds(3), 100, "127.0.0.1");

        // a slow client's answer: its queue fills and its stream stops taking data
        try (UpstreamAnswer unread = upstream.post(backend.uri("/big"), new byte[0])) {
            assertThat(unread.status()).isEqualTo(200);
            Thread.sleep(300); // the backend sends what the windows allow

            // on the same connection, another answer still flows (the idle timeout, 3 s, would cut it)
            assertThat(read(upstream.post(backend.uri("/after"), new byte[0]))).contains("/after");
        }
        assertThat(backend.connections()).isEqualTo(1);
    }

    @Test
    void anHttpsBackendNamedIsCalledOverHttp2AgreedByAlpn(@TempDir Path dir) throws Exception {
        var certificate = SelfSignedCertificate.forLoopback(dir);
        backend = new Http2Backend(1000, certificate.http2Server());
        var upstream = trusting(certificate, "127.0.0.1");

        List<String> answers = callsAtOnce(upstream, 10, "/held");

        assertThat(answers).hasSize(10).allMatch("{\"held\":true}"::equals);
        assertThat(backend.connections()).isEqualTo(1);
    }

    @Test
    void anHttpsBackendThatDoesNotAgreeToHttp2FailsTheCallSayingSo(@TempDir Path dir) throws Exception {
        var certificate = SelfSignedCertificate.forLoopback(dir);
        backend = new Http2Backend(100, certificate.plainServer());
        var upstream = trusting(certificate, "127.0.0.1");

        assertThatThrownBy(() -> upstream.post(backend.uri("/ok"), new byte[0]))
                .isInstanceOf(IOException.class).hasMessageContaining("did not agree to HTTP/2");
        awaitNoOpenStreams(upstream);
    }

    @Test
    void anHttpsBackendWithACertificateNotTrustedIsRefused(@TempDir Path dir) throws Exception {
        backend = new Http2Backend(100, SelfSignedCertificate.forLoopback(dir).http2Server());
        var upstream = client(Duration.ofSeconds(10), 100, "127.0.0.1"); // the JDK's trust store

        assertThatThrownBy(() -> upstream.post(backend.uri("/ok"), new byte[0]))
                .isInstanceOf(SSLHandshakeException.class);
        assertThat(backend.paths()).isEmpty();
    }

    @Test
    void anUploadLargerThanTheStreamsWindowIsSentWholeAsTheBackendMakesRoom() throws Exception {
        backend = new Http2Backend(100);
        var upstream = client(Duration.ofSeconds(10), 100, "127.0.0.1");
        int size = 3 * 1024 * 1024; // fifty times the backend's 64 KiB window for the stream
        var upload = NettyUpstreamClientTest.zeros(size);

        assertThat(read(upstream.post(backend.uri("/size"), upload))).isEqualTo("{\"bytes\":" + size + "}");
    }

    @Test
    void anAnswerHeaderValueCarryingALineBreakNeverReachesTheCaller() throws Exception {
        backend = new Http2Backend(100);
        var upstream = client(Duration.ofSeconds(10), 100, "127.0.0.1");

        try {
            UpstreamAnswer answer = upstream.post(backend.uri("/evil-header"), new byte[0]);
            try (answer) {
                assertThat(answer.header("x-evil")).as("a value split in two must not come through").isNull();
                assertThat(answer.header("set-cookie")).isNull();
            }
        } catch (IOException refused) {
            // refused as a malformed answer: as good
        }
        assertThat(read(upstream.post(backend.uri("/after"), new byte[0]))).contains("/after");
    }

    @Test
    void aHostNotNamedIsCalledOverHttp11() throws Exception {
        try (var server = new RawHttpServer()) {
            var upstream = client(Duration.ofSeconds(10), 100, "127.0.0.1:1", "*.h2.internal");
            assertThat(read(upstream.post(server.uri("/ok"), new byte[0]))).isEqualTo("hello");
        }
    }

    @Test
    void anH2cHostThatIsDownIsUnreachable() throws Exception {
        int port;
        try (var socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        var upstream = client(Duration.ofSeconds(10), 100, "127.0.0.1");

        assertThatThrownBy(() -> upstream.post(URI.create("http://127.0.0.1:" + port + "/v1"), new byte[0]))
                .isInstanceOf(ConnectException.class);
        assertThat(upstream.openConnections()).isZero();
    }

    @Test
    void aWrongH2cHostEntryStopsTheStartNamingIt() {
        assertThatThrownBy(() -> new UpstreamProperties(Duration.ofSeconds(1), Duration.ofSeconds(1),
                Duration.ofSeconds(1), 1, null, List.of(), UpstreamClientKind.NETTY, List.of("ok.internal", "bad host")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gateway.upstream.http2-hosts[1]");
    }

    @Test
    void http2HostsWithTheHttp11OnlyClientStopTheStart() {
        assertThatThrownBy(() -> new UpstreamProperties(Duration.ofSeconds(1), Duration.ofSeconds(1),
                Duration.ofSeconds(1), 1, null, List.of(), UpstreamClientKind.APACHE, List.of("vllm.internal:8000")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("client=netty");
    }

    private List<String> callsAtOnce(NettyUpstreamClient upstream, int n, String path) throws Exception {
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            var calls = new ArrayList<Future<String>>();
            for (int i = 0; i < n; i++) {
                calls.add(threads.submit(() -> read(upstream.post(backend.uri(path), new byte[0]))));
            }
            awaitOpenStreams(n);
            backend.release();
            var answers = new ArrayList<String>();
            for (Future<String> call : calls) {
                answers.add(call.get(10, TimeUnit.SECONDS));
            }
            return answers;
        }
    }

    private static void awaitNoOpenStreams(NettyUpstreamClient upstream) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 5_000;
        while (upstream.openConnections() > 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(5);
        }
        assertThat(upstream.openConnections()).isZero();
    }

    private void awaitOpenStreams(int n) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (backend.peakOpenStreams() < n && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
    }
}
