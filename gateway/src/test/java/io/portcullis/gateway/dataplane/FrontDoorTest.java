package io.portcullis.gateway.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.policy.Cidr;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The data plane's connection handling, over real sockets: keep-alive, pipelining, refusals, timeouts, routing. */
class FrontDoorTest {

    private TestDataPlane plane = start();

    /** The data plane under test: epoll here ({@link FrontDoorOnIoUringTest}: io_uring). */
    TestDataPlane start() {
        return new TestDataPlane();
    }

    @AfterEach
    void stop() {
        plane.close();
    }

    private static String post(String path, String body) {
        return "POST " + path + " HTTP/1.1\r\nHost: gw\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    }

    @Test
    void servesSeveralRequestsOnOneKeptAliveConnection() throws Exception {
        try (var client = plane.connect()) {
            for (int i = 0; i < 3; i++) {
                client.send(post("/v1/echo", "request " + i));
                var head = client.head();
                assertThat(head.status()).isEqualTo(200);
                assertThat(client.body(head)).isEqualTo("request " + i);
            }
        }
    }

    @Test
    void answersPipelinedRequestsInOrder() throws Exception {
        try (var client = plane.connect()) {
            client.send(post("/v1/echo", "one") + post("/v1/echo", "two") + post("/nowhere", "") + post("/v1/echo", "four"));
            assertThat(client.body(client.head())).isEqualTo("one");
            assertThat(client.body(client.head())).isEqualTo("two");
            var notFound = client.head();
            assertThat(notFound.status()).isEqualTo(404);
            assertThat(client.body(notFound)).contains("\"code\":\"not_found\"");
            assertThat(client.body(client.head())).isEqualTo("four");
        }
    }

    @Test
    void closesTheConnectionAfterAnAnswerWhenTheClientAskedTo() throws Exception {
        try (var client = plane.connect()) {
            client.send("POST /v1/echo HTTP/1.1\r\nHost: gw\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi");
            var head = client.head();
            assertThat(head.header("connection")).isEqualTo("close");
            assertThat(client.body(head)).isEqualTo("hi");
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void refusesHugeHeadersWith431InTheContractsShape() throws Exception {
        try (var client = plane.connect()) {
            client.send("GET /v1/echo HTTP/1.1\r\nHost: gw\r\nX-Big: " + "a".repeat(TestDataPlane.MAX_HEAD_BYTES + 1)
                    + "\r\n\r\n");
            var head = client.head();
            assertThat(head.status()).isEqualTo(431);
            assertThat(head.header("content-type")).isEqualTo("application/json");
            assertThat(head.header("x-request-id")).startsWith("req_");
            assertThat(client.body(head)).startsWith("{\"error\":{\"message\":\"Request headers are too large\"");
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void refusesAMalformedHeadWith400() throws Exception {
        try (var client = plane.connect()) {
            client.send("POST /v1/echo HTTP/1.1\r\nContent-Length: nonsense\r\n\r\n");
            var head = client.head();
            assertThat(head.status()).isEqualTo(400);
            assertThat(client.body(head)).contains("\"code\":\"invalid_request_error\"");
        }
    }

    @Test
    void closesAConnectionThatNeverCompletesItsHead() throws Exception {
        plane.close();
        plane = new TestDataPlane(Duration.ofMillis(300), List.of());
        try (var client = plane.connect()) {
            client.send("POST /v1/echo HTTP/1.1\r\nHost: gw\r\n"); // and nothing more
            client.readTimeout(5_000);
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void keepsTheClientsSaneRequestIdAndReplacesAHostileOne() throws Exception {
        try (var client = plane.connect()) {
            client.send("POST /v1/echo HTTP/1.1\r\nHost: gw\r\nx-request-id: abc-123\r\nContent-Length: 0\r\n\r\n");
            var kept = client.head();
            client.body(kept);
            client.send("POST /v1/echo HTTP/1.1\r\nHost: gw\r\nx-request-id: a b<script>\r\nContent-Length: 0\r\n\r\n");
            var replaced = client.head();
            assertThat(kept.header("x-request-id")).isEqualTo("abc-123");
            assertThat(replaced.header("x-request-id")).startsWith("req_").hasSize(36);
        }
    }

    @Test
    void believesForwardedForOnlyFromATrustedProxy() throws Exception {
        String forwarded = "POST /v1/echo HTTP/1.1\r\nHost: gw\r\nX-Forwarded-For: 203.0.113.7, 10.1.2.3\r\n"
                + "Content-Length: 0\r\n\r\n";
        try (var client = plane.connect()) {
            assertThat(client.send(forwarded).head().header("x-client")).isEqualTo("127.0.0.1");
        }
        plane.close();
        plane = new TestDataPlane(Duration.ofSeconds(5), List.of(Cidr.parse("127.0.0.1"), Cidr.parse("10.0.0.0/8")));
        try (var client = plane.connect()) {
            assertThat(client.send(forwarded).head().header("x-client")).isEqualTo("203.0.113.7");
        }
    }

    @Test
    void publishesItsPortAsTheServersPort() {
        assertThat(plane.environment.getProperty("local.server.port", Integer.class)).isEqualTo(plane.port());
    }
}
