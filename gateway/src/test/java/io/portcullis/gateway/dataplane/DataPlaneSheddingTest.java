package io.portcullis.gateway.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.database.EmbeddedPostgresServer;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.StandaloneGateway;
import io.portcullis.gateway.web.QueueingDelay;
import java.util.ArrayList;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * gateway.shedding on the data plane: the wait measured is the hand-over from the front door to
 * the request's virtual thread. A shed request is answered 503 {@code overloaded} with
 * {@code Retry-After} before its body is read, and the connection carries the next request (a
 * reconnection per 503 is what made shedding useless on Tomcat); a large unread body closes it.
 */
class DataPlaneSheddingTest {

    private static final String SMUGGLED = "GET /admin/api/keys HTTP/1.1\r\nHost: gw\r\n\r\n";

    private static String chat(String key, String body) {
        return "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer " + key
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    }

    @Test
    void aShedRequestIsRefusedBeforeItsBodyArrivesAndTheConnectionCarriesTheNext() throws Exception {
        // a target of one nanosecond makes every real hand-over late: a standing queue by the limiter's own measure
        try (var postgres = EmbeddedPostgresServer.ephemeral();
             var gateway = StandaloneGateway.start(postgres.jdbcUrl(), Map.of("gateway.data-plane.enabled", "true",
                     "gateway.shedding.enabled", "true", "gateway.shedding.target", "1ns",
                     "gateway.shedding.interval", "1ms"));
             var client = new RawHttp(gateway.port())) {
            var key = new GatewayClient(gateway.port()).createKey();
            var limiter = gateway.context().getBean(QueueingDelay.class);
            RawHttp.Head head = null;
            for (int i = 0; i < 200 && (head == null || head.status() != 503); i++) {
                Thread.sleep(2); // let an interval close
                head = client.send(chat(key.secret(), GatewayClient.chat("fake-chat"))).head();
                client.body(head);
            }
            assertThat(limiter.overloaded()).isTrue();
            assertThat(head.status()).isEqualTo(503);

            // half the body sent, and a request's worth of bytes inside it: answered before the rest
            String body = "{\"model\":\"fake-chat\",\"padding\":\"" + SMUGGLED.replace("\r\n", " ") + "\"}";
            String whole = chat(key.secret(), body);
            int half = whole.length() - body.length() / 2;
            client.send(whole.substring(0, half));
            var shed = client.head();
            assertThat(shed.status()).isEqualTo(503);
            assertThat(shed.header("retry-after")).isEqualTo("1");
            assertThat(shed.header("connection")).isNull();
            assertThat(shed.header("content-length")).isNotNull();
            assertThat(shed.header("x-request-id")).startsWith("req_");
            assertThat(client.body(shed)).contains("\"code\":\"overloaded\"").contains("\"type\":\"server_error\"");

            // the rest of the skipped body, then a request on the same socket: the control plane's, never shed
            client.send(whole.substring(half));
            client.send("GET /actuator/health HTTP/1.1\r\nHost: gw\r\n\r\n");
            var health = client.head();
            assertThat(health.status()).as("the skipped body must not be read as a request").isEqualTo(200);
            assertThat(client.body(health)).contains("UP");

            // and the client API again on that socket: shed again, the connection still kept
            var again = client.send(chat("pk-not-a-key", "{\"model\":\"fake-chat\"}")).head();
            assertThat(again.status()).as("refused before even the key is looked at").isEqualTo(503);
            assertThat(again.header("connection")).isNull();
            client.body(again);

            var metrics = new GatewayClient(gateway.port()).get("/actuator/prometheus", null).body();
            assertThat(metrics).containsPattern("portcullis_shed_requests_total\\{[^}]*reason=\"queueing\"[^}]*} [1-9]");

            // too large a body to skip, or one held back for a 100 Continue never sent: closed after the 503
            refusedAndClosedWithABodyStillToCome(gateway.port());
        }
    }

    /**
     * While the latest requests came late to their threads, the next is refused as it arrives, on
     * the event loop, in the contract's shape, before its key or body is looked at; the refusal is
     * counted, and the connection carries the next request. The limiter is put in that state by
     * hand (waits of 20 s reported against a 10 s target), so nothing here depends on timing.
     */
    @Test
    void refusesOnArrivalWhileTheLatestRequestsCameLateInEachEndpointsShape() throws Exception {
        try (var postgres = EmbeddedPostgresServer.ephemeral();
             var gateway = StandaloneGateway.start(postgres.jdbcUrl(), Map.of("gateway.data-plane.enabled", "true",
                     "gateway.shedding.enabled", "true", "gateway.shedding.target", "10s",
                     "gateway.shedding.interval", "1ms"));
             var client = new RawHttp(gateway.port())) {
            var gatewayClient = new GatewayClient(gateway.port());
            var key = gatewayClient.createKey();
            var served = client.send(chat(key.secret(), GatewayClient.chat("fake-chat"))).head();
            String answer = client.body(served);
            assertThat(served.status()).as(answer).isEqualTo(200);

            var limiter = gateway.context().getBean(QueueingDelay.class);
            long late = 20_000_000_000L;
            limiter.record(late, System.nanoTime());
            Thread.sleep(2);
            limiter.record(late, System.nanoTime()); // closes an interval whose every wait was late
            assertThat(limiter.overloaded()).isTrue();
            assertThat(limiter.shedsOnArrival(System.nanoTime())).isTrue();

            var shed = client.send(chat("pk-not-a-key", "{\"model\":\"fake-chat\"}")).head();
            assertThat(shed.status()).as("refused before the key is looked at").isEqualTo(503);
            assertThat(shed.header("retry-after")).isEqualTo("1");
            assertThat(shed.header("connection")).as("the connection is kept").isNull();
            assertThat(shed.header("x-request-id")).startsWith("req_");
            assertThat(client.body(shed)).contains("\"code\":\"overloaded\"").contains("\"type\":\"server_error\"");

            String message = "{\"model\":\"fake-chat\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            var anthropic = client.send("POST /v1/messages HTTP/1.1\r\nHost: gw\r\nx-api-key: " + key.secret()
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + message.length() + "\r\n\r\n"
                    + message).head();
            assertThat(anthropic.status()).isEqualTo(503);
            assertThat(client.body(anthropic)).as("the Messages API's own error shape")
                    .contains("\"type\":\"error\"").contains("\"code\":\"overloaded\"");

            // refused on arrival with too large a body still to come, or one held back for a 100
            // Continue that never came: the 503 says the connection closes, and it does
            refusedAndClosedWithABodyStillToCome(gateway.port());

            var metrics = gatewayClient.get("/actuator/prometheus", null).body();
            assertThat(metrics).containsPattern("portcullis_shed_requests_total\\{[^}]*reason=\"queueing\"[^}]*} 4\\.0");
        }
    }

    /**
     * A real standing queue, not a forced one: every carrier thread of the virtual-thread scheduler
     * is kept busy, so the next request's virtual thread waits for one. That request is shed; once
     * the carriers are free, a request that came through quickly is served even though the
     * replica still counts as overloaded, and so is everything while the queue is short. The
     * requests run on the shared carriers here ({@code request-threads=shared}); on their event
     * loops, a busy loop would not even read the request until it was free, so the same queue
     * is met in a flood, as in the overload benchmark (docs/performance.md, "Tenth pass").
     */
    @Test
    void shedsOnlyWhatQueuedBehindBusyCarriersAndNothingWhileTheQueueIsShort() throws Exception {
        try (var postgres = EmbeddedPostgresServer.ephemeral();
             var gateway = StandaloneGateway.start(postgres.jdbcUrl(), Map.of("gateway.data-plane.enabled", "true",
                     "gateway.data-plane.request-threads", "shared",
                     "gateway.shedding.enabled", "true", "gateway.shedding.target", "100ms",
                     "gateway.shedding.interval", "10ms"));
             var client = new RawHttp(gateway.port())) {
            var key = new GatewayClient(gateway.port()).createKey();
            var limiter = gateway.context().getBean(QueueingDelay.class);

            for (int i = 0; i < 20; i++) {
                Thread.sleep(2);
                var served = client.send(chat(key.secret(), GatewayClient.chat("fake-chat"))).head();
                String body = client.body(served);
                assertThat(served.status()).as(body).isEqualTo(200);
            }
            assertThat(limiter.overloaded()).as("a short queue is no standing queue").isFalse();

            // the first late request may close an interval that also holds earlier quick ones; the next cannot
            RawHttp.Head shed = null;
            var seen = new ArrayList<Integer>();
            for (int round = 0; round < 4 && (shed == null || shed.status() != 503); round++) {
                busyCarriers(400);
                shed = client.send(chat(key.secret(), GatewayClient.chat("fake-chat"))).head();
                client.body(shed);
                seen.add(shed.status());
            }
            assertThat(shed.status()).as("statuses while the carriers were busy: %s", seen).isEqualTo(503);
            assertThat(shed.header("retry-after")).isEqualTo("1");
            assertThat(limiter.overloaded()).isTrue();

            // the busy carriers are free again, and for a target's worth of time no request came late
            Thread.sleep(150);
            var quick = client.send(chat(key.secret(), GatewayClient.chat("fake-chat"))).head();
            assertThat(quick.status()).as("a request that did not queue is served, on the same connection")
                    .isEqualTo(200);
            client.body(quick);
        }
    }

    /**
     * A request with too large a body still to come is answered 503 with {@code Connection: close},
     * and so is one whose client waits for a {@code 100 Continue} it never got (it may never send
     * the body); both connections are then closed.
     */
    private static void refusedAndClosedWithABodyStillToCome(int port) throws Exception {
        try (var large = new RawHttp(port)) {
            large.send("POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + (NettyExchange.UNREAD_BODY_LIMIT + 1) + "\r\n\r\n{\"model\":");
            var closing = large.head();
            assertThat(closing.status()).isEqualTo(503);
            assertThat(closing.header("connection")).isEqualTo("close");
            assertThat(closing.header("retry-after")).isEqualTo("1");
            large.body(closing);
            assertThat(large.closedByServer()).isTrue();
        }
        try (var waiting = new RawHttp(port)) {
            waiting.send("POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nExpect: 100-continue\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 20\r\n\r\n");
            var closing = waiting.head();
            assertThat(closing.status()).as("no 100 Continue before the refusal").isEqualTo(503);
            assertThat(closing.header("connection")).isEqualTo("close");
            waiting.body(closing);
            assertThat(waiting.closedByServer()).isTrue();
        }
    }

    /**
     * Occupies every carrier thread for {@code millis}: more spinning virtual threads than there
     * can be carriers, each until one deadline, so whatever is started after them waits for it.
     */
    private static void busyCarriers(long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        int carriers = Integer.getInteger("jdk.virtualThreadScheduler.parallelism",
                Runtime.getRuntime().availableProcessors());
        for (int i = 0; i < 4 * carriers; i++) {
            Thread.ofVirtual().start(() -> {
                while (System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
            });
        }
        Thread.sleep(20); // they are running before the request is sent
    }
}
