package io.portcullis.gateway.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.gateway.web.MalformedBodyException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.URLEncoder;
import java.util.List;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A client-API request on the data plane, over real sockets: bodies in, answers out, clients that misbehave. */
class NettyExchangeTest {

    private final TestDataPlane plane = new TestDataPlane();

    @AfterEach
    void stop() {
        plane.close();
    }

    @Test
    void streamsTheFirstPartBeforeTheHandlerEnds() throws Exception {
        try (var client = plane.connect()) {
            client.send("POST /v1/stream HTTP/1.1\r\nHost: gw\r\nContent-Length: 0\r\n\r\n");
            var head = client.head();
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("transfer-encoding")).isEqualTo("chunked");
            assertThat(new String(client.chunk(), StandardCharsets.UTF_8)).isEqualTo("data: first\n\n");
            assertThat(plane.handler.streamReturned).isFalse();
            plane.handler.finishStream.countDown();
            assertThat(client.body(head)).isEqualTo("data: second\n\n");
        }
    }

    @Test
    void sendsASmallWholeAnswerOnceWithItsLengthWhenTheHandlerReturns() throws Exception {
        try (var client = plane.connect()) {
            client.send("GET /v1/whole?bytes=1000 HTTP/1.1\r\nHost: gw\r\n\r\n");
            client.readTimeout(300);
            // held until the handler returns: one message with its length, not a chunked head first
            assertThatThrownBy(client::head).isInstanceOf(SocketTimeoutException.class);
            plane.handler.finishStream.countDown();
            client.readTimeout(10_000);
            var head = client.head();

            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("content-length")).isEqualTo("1000");
            assertThat(head.header("transfer-encoding")).isNull();
            assertThat(client.body(head)).hasSize(1000);
        }
    }

    @Test
    void sendsALargeWholeAnswerAsItIsWrittenRatherThanHoldingItWhole() throws Exception {
        int bytes = 3 * NettyExchange.SEND_BYTES + 17;
        try (var client = plane.connect()) {
            client.send("GET /v1/whole?bytes=" + bytes + " HTTP/1.1\r\nHost: gw\r\n\r\n");
            // the head and most of the body arrive while the handler still holds the answer open
            var head = client.head();
            byte[] first = client.chunk();
            boolean handlerStillOpen = !plane.handler.streamReturned;
            plane.handler.finishStream.countDown();
            int rest = client.body(head).length();

            assertThat(head.header("transfer-encoding")).isEqualTo("chunked");
            assertThat(first.length).isGreaterThanOrEqualTo(NettyExchange.SEND_BYTES);
            assertThat(handlerStillOpen).isTrue();
            assertThat(first.length + rest).isEqualTo(bytes);
        }
    }

    @Test
    void failsTheHandlersWriteOnceTheClientHasLeft() throws Exception {
        var client = plane.connect();
        client.send("POST /v1/endless HTTP/1.1\r\nHost: gw\r\nContent-Length: 0\r\n\r\n");
        assertThat(client.head().status()).isEqualTo(200);
        client.chunk();
        client.close();
        Throwable failure = plane.handler.failure.get(10, TimeUnit.SECONDS);
        assertThat(failure).isInstanceOf(IOException.class);
    }

    @Test
    void aBodyThatStopsArrivingHitsTheHandlersDeadline() throws Exception {
        try (var client = plane.connect()) {
            long started = System.nanoTime();
            client.send("POST /v1/deadline HTTP/1.1\r\nHost: gw\r\nContent-Length: 100\r\n\r\nonly ten b");
            var head = client.head();
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertThat(plane.handler.failure.get(1, TimeUnit.SECONDS)).isInstanceOf(SocketTimeoutException.class);
            assertThat(head.status()).isEqualTo(408);
            assertThat(client.body(head)).contains("\"code\":\"request_timeout\"");
            assertThat(waited).isBetween(250L, 4_000L);
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void aChunkedBodyWhoseFramingBreaksReachesTheReaderAsMalformedAndTheClientGetsAnAnswer() throws Exception {
        try (var client = plane.connect()) {
            client.send("POST /v1/deadline HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "zz\r\n{}\r\n0\r\n\r\n");
            assertThat(plane.handler.failure.get(5, TimeUnit.SECONDS)).isInstanceOf(MalformedBodyException.class);
            var head = client.head(); // an answer in the contract's shape, not a bare close
            assertThat(client.body(head)).startsWith("{\"error\":");
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void readsAChunkedBodyWithoutADeclaredLength() throws Exception {
        try (var client = plane.connect()) {
            client.send("POST /v1/echo?stream=1 HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n");
            Thread.sleep(50);
            client.send("1\r\n \r\n5\r\nworld\r\n0\r\n\r\n");
            var head = client.head();
            assertThat(head.header("x-declared-length")).isEqualTo("-1");
            assertThat(head.header("x-query")).isEqualTo("stream=1");
            assertThat(client.body(head)).isEqualTo("hello world");
        }
    }

    @Test
    void sendsContinueWhenTheHandlerFirstReadsTheBody() throws Exception {
        try (var client = plane.connect()) {
            client.send("POST /v1/echo HTTP/1.1\r\nHost: gw\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
            assertThat(client.head().status()).isEqualTo(100);
            client.send("12345");
            var head = client.head();
            assertThat(head.status()).isEqualTo(200);
            assertThat(client.body(head)).isEqualTo("12345");
        }
    }

    @Test
    void sendsNoContinueToAHandlerThatAnswersWithoutTheBody() throws Exception {
        try (var client = plane.connect()) {
            client.send("POST /v1/ignore-body HTTP/1.1\r\nHost: gw\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
            var head = client.head();
            assertThat(head.status()).isEqualTo(200);
            assertThat(client.body(head)).isEqualTo("not reading it");
        }
    }

    @Test
    void stopsReadingFromAClientWhoseBodyTheHandlerDoesNotTake() throws Exception {
        long size = 48L * 1024 * 1024;
        var sent = new java.util.concurrent.atomic.AtomicLong();
        try (var client = plane.connect()) {
            client.send("POST /v1/hold HTTP/1.1\r\nHost: gw\r\nContent-Length: " + size + "\r\n\r\n");
            Thread writer = Thread.ofVirtual().start(() -> {
                byte[] block = new byte[64 * 1024];
                try {
                    while (sent.get() < size) {
                        client.send(block);
                        sent.addAndGet(block.length);
                    }
                } catch (IOException e) {
                    // the assertion below reports it
                }
            });
            Thread.sleep(1_000);
            // socket buffers hold a few MB; without the pause the server would have swallowed it all
            assertThat(sent.get()).isLessThan(size / 3);
            plane.handler.finishStream.countDown();
            writer.join(20_000);
            var head = client.head();
            assertThat(client.body(head)).isEqualTo(Long.toString(size));
        }
    }

    @Test
    void carriesALargeBodyWholeThroughTheBoundedBuffer() throws Exception {
        byte[] large = new byte[3 * 1024 * 1024];
        for (int i = 0; i < large.length; i++) {
            large[i] = (byte) ('a' + i % 26);
        }
        try (var client = plane.connect()) {
            client.send("POST /v1/echo HTTP/1.1\r\nHost: gw\r\nContent-Length: " + large.length + "\r\n\r\n");
            client.send(large);
            var head = client.head();
            assertThat(head.status()).isEqualTo(200);
            // echoed as it is written (larger than what an answer holds before it is sent), in full
            assertThat(client.body(head)).isEqualTo(new String(large, StandardCharsets.UTF_8));
        }
    }

    @Test
    void skipsASmallBodyLeftUnreadAndServesTheNextRequestOnTheConnection() throws Exception {
        // the rest ends in what would parse as a request (a crash) were it not skipped by its length
        String smuggled = "POST /v1/crash HTTP/1.1\r\nHost: gw\r\nContent-Length: 0\r\n\r\n";
        String rest = "x".repeat(1000 - "partial".length() - smuggled.length()) + smuggled;
        try (var client = plane.connect()) {
            client.send("POST /v1/ignore-body HTTP/1.1\r\nHost: gw\r\nContent-Length: 1000\r\n\r\npartial");
            var head = client.head();
            assertThat(head.header("connection")).as("the answer promises the connection").isNull();
            assertThat(client.body(head)).isEqualTo("not reading it");
            client.send(rest);
            client.send("POST /v1/echo HTTP/1.1\r\nHost: gw\r\nContent-Length: 4\r\n\r\nnext");
            var next = client.head();
            assertThat(next.status()).isEqualTo(200);
            assertThat(client.body(next)).isEqualTo("next");
        }
    }

    @Test
    void closesWhenTheRestOfASkippedBodyNeverComes() throws Exception {
        try (var quick = new TestDataPlane(java.time.Duration.ofMillis(300), java.util.List.of());
             var client = quick.connect()) {
            client.send("POST /v1/ignore-body HTTP/1.1\r\nHost: gw\r\nContent-Length: 1000\r\n\r\npartial");
            assertThat(client.body(client.head())).isEqualTo("not reading it");
            client.readTimeout(5_000);
            assertThat(client.closedByServer()).as("the head's clock bounds the rest").isTrue();
        }
    }

    @Test
    void closesRatherThanReceiveALargeBodyNobodyReads() throws Exception {
        try (var client = plane.connect()) {
            client.send("POST /v1/ignore-body HTTP/1.1\r\nHost: gw\r\nContent-Length: "
                    + (NettyExchange.UNREAD_BODY_LIMIT + 1) + "\r\n\r\npartial");
            var head = client.head();
            assertThat(head.header("connection")).isEqualTo("close");
            assertThat(client.body(head)).isEqualTo("not reading it");
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void answersAHandlerBugWith500InTheContractsShape() throws Exception {
        try (var client = plane.connect()) {
            client.send("POST /v1/crash HTTP/1.1\r\nHost: gw\r\nContent-Length: 0\r\n\r\n");
            var head = client.head();
            assertThat(head.status()).isEqualTo(500);
            assertThat(client.body(head)).contains("\"code\":\"internal_error\"");
        }
    }

    private RawHttp.Head answerWithHeader(RawHttp client, String name, String value) throws IOException {
        client.send("GET /v1/answer-header?" + URLEncoder.encode(name, StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(value, StandardCharsets.UTF_8) + " HTTP/1.1\r\nHost: gw\r\n\r\n");
        return client.head();
    }

    @Test
    void sendsAHandlersHeaderAsItIsNamed() throws Exception {
        try (var client = plane.connect()) {
            var head = answerWithHeader(client, "X-Backend-Type", "application/json; charset=utf-8");
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("x-backend-type")).isEqualTo("application/json; charset=utf-8");
            assertThat(head.header("x-request-id")).startsWith("req_");
            assertThat(client.body(head)).isEqualTo("header set");
        }
    }

    @Test
    void neverLetsAHeaderValueWithCrOrLfSplitTheAnswer() throws Exception {
        for (String hostile : List.of("text/plain\r\nX-Injected: yes", "text/plain\rX-Injected: yes",
                "text/plain\nX-Injected: yes", "text/plain\r\n\r\nsmuggled body", "text/plain\u0000")) {
            try (var client = plane.connect()) {
                var head = answerWithHeader(client, "Content-Type", hostile);
                assertThat(head.status()).as(hostile).isEqualTo(500);
                assertThat(head.headers()).as(hostile).doesNotContainKey("x-injected");
                assertThat(client.body(head)).as(hostile).contains("\"code\":\"internal_error\"")
                        .doesNotContain("smuggled");
            }
        }
    }

    @Test
    void refusesAHeaderNameThatIsNotAToken() throws Exception {
        for (String name : List.of("X Bad", "X-Injected: yes\r\nX-More", "", "X-\u0141")) {
            try (var client = plane.connect()) {
                var head = answerWithHeader(client, name, "v");
                assertThat(head.status()).as(name).isEqualTo(500);
                assertThat(head.headers()).as(name).doesNotContainKeys("x-injected", "x-more");
            }
        }
    }
}
