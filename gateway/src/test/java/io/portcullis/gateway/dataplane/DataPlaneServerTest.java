package io.portcullis.gateway.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Stopping the data plane: nothing new is accepted, the answers in flight finish. */
class DataPlaneServerTest {

    @Test
    void letsAnAnswerInFlightFinishWhileStopping() throws Exception {
        var plane = new TestDataPlane();
        int port = plane.port();
        try (var client = plane.connect()) {
            client.send("POST /v1/stream HTTP/1.1\r\nHost: gw\r\nContent-Length: 0\r\n\r\n");
            var head = client.head();
            assertThat(new String(client.chunk(), StandardCharsets.UTF_8)).isEqualTo("data: first\n\n");

            Thread stopping = Thread.ofVirtual().start(plane::close);
            Thread.sleep(200);
            assertThat(stopping.isAlive()).as("stop waits for the answer in flight").isTrue();
            assertThatThrownBy(() -> new RawHttp(port).close()).isInstanceOf(ConnectException.class);

            plane.handler.finishStream.countDown();
            assertThat(client.body(head)).isEqualTo("data: second\n\n");
            assertThat(stopping.join(java.time.Duration.ofSeconds(5))).isTrue();
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void closesIdleKeptAliveConnectionsWhenStopping() throws Exception {
        var plane = new TestDataPlane();
        try (var client = plane.connect()) {
            client.send("POST /v1/echo HTTP/1.1\r\nHost: gw\r\nContent-Length: 2\r\n\r\nhi");
            assertThat(client.body(client.head())).isEqualTo("hi");
            long started = System.nanoTime();
            plane.close();
            assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)).isLessThan(3);
            assertThat(client.closedByServer()).isTrue();
        }
    }

    /**
     * Spring pauses a cached test context between uses (stop, then start): a data plane that stayed
     * draining after its stop closed every connection after one answer, without saying so.
     */
    @Test
    void keepsConnectionsAliveAgainOnceStartedAfterAStop() throws Exception {
        try (var plane = new TestDataPlane()) {
            plane.restart();
            try (var client = plane.connect()) {
                for (int i = 0; i < 3; i++) {
                    client.send("POST /v1/echo HTTP/1.1\r\nHost: gw\r\nContent-Length: 2\r\n\r\nhi");
                    var head = client.head();
                    assertThat(head.header("connection")).as("answer %d", i).isNull();
                    assertThat(client.body(head)).isEqualTo("hi");
                }
            }
        }
    }

    /** A flood of connections meets the cap, not the process's file limit; the ones held keep working. */
    @Test
    void closesConnectionsBeyondTheCapAndKeepsServingTheOnesItHolds() throws Exception {
        try (var plane = TestDataPlane.holding(2); var first = plane.connect(); var second = plane.connect()) {
            first.send("POST /v1/echo HTTP/1.1\r\nHost: gw\r\nContent-Length: 2\r\n\r\nhi");
            assertThat(first.body(first.head())).isEqualTo("hi");
            try (var third = plane.connect()) {
                assertThat(third.closedByServer()).as("the connection past the cap").isTrue();
            }
            second.send("POST /v1/echo HTTP/1.1\r\nHost: gw\r\nContent-Length: 2\r\n\r\nok");
            assertThat(second.body(second.head())).isEqualTo("ok");
        }
    }

    @Test
    void refusesToStartOnAPortAlreadyTaken() throws Exception {
        try (var taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            assertThatThrownBy(() -> new TestDataPlane(taken.getLocalPort()))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("could not listen on");
        }
    }
}
