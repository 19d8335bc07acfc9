package io.portcullis.gateway.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.FixedModels;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import io.portcullis.gateway.support.TestGateway;
import io.portcullis.gateway.web.RelaySecret;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The control plane through {@link ControlPlaneRelay}: a test front door on its own port relays
 * every request to the real gateway's Tomcat, and what a client sees must be what Tomcat says.
 */
class ControlPlaneRelayTest extends GatewayIntegrationTest {

    @Autowired
    RelaySecret secret;

    private final AtomicInteger tomcatConnections = new AtomicInteger();
    /** Tomcat's own port: with the data plane on (the default), {@code port} is the data plane's. */
    @org.springframework.beans.factory.annotation.Autowired
    private ControlPlaneAddress controlPlane;
    private GatewayClient tomcat;
    private RelayFrontDoor door;
    private GatewayClient relayed;

    @BeforeEach
    void openFrontDoor() {
        door = new RelayFrontDoor(new ControlPlaneRelay(() -> {
            tomcatConnections.incrementAndGet();
            return controlPlane.address();
        }, secret));
        relayed = new GatewayClient(door.port());
        tomcat = new GatewayClient(controlPlane.port());
    }

    @AfterEach
    void closeFrontDoor() {
        door.close();
    }

    @Test
    void relaysAdminApiRequestsAndTheirRefusals() {
        var key = relayed.createKey("{\"name\":\"through the relay\"}");

        var read = relayed.admin("GET", "/admin/api/keys/" + key.id(), null);
        var missing = relayed.admin("GET", "/admin/api/keys/00000000-0000-0000-0000-000000000000", null);
        var anonymous = relayed.get("/admin/api/keys", null);
        var malformed = relayed.admin("POST", "/admin/api/keys", "{\"name\":");

        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(GatewayClient.json(read).at("/name").stringValue()).isEqualTo("through the relay");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(GatewayClient.json(missing).at("/error/code").stringValue()).isEqualTo("not_found");
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(GatewayClient.json(malformed).at("/error/type").stringValue()).isEqualTo("invalid_request_error");
        // the id the front door decided is the one Tomcat answers with
        assertThat(read.headers().firstValue("x-request-id")).contains(door.requestIds.get(1));
    }

    @Test
    void relaysAConsoleAssetByteForByte() throws Exception {
        var direct = client.http().send(HttpRequest.newBuilder(URI.create(client.base() + "/admin/assets/app.js")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        var viaRelay = relayed.http().send(HttpRequest.newBuilder(URI.create(relayed.base() + "/admin/assets/app.js")).build(),
                HttpResponse.BodyHandlers.ofByteArray());

        assertThat(direct.statusCode()).isEqualTo(200);
        assertThat(viaRelay.statusCode()).isEqualTo(200);
        assertThat(viaRelay.body()).isEqualTo(direct.body()).hasSizeGreaterThan(1000);
        assertThat(viaRelay.headers().firstValue("content-type")).isEqualTo(direct.headers().firstValue("content-type"));
    }

    @Test
    void relaysThePrometheusScrape() {
        var scrape = relayed.get("/actuator/prometheus", null);

        assertThat(scrape.statusCode()).isEqualTo(200);
        assertThat(scrape.body()).contains("jvm_memory_used_bytes");
    }

    @Test
    void passesAStreamedAnswerOnAsItComesWithoutWaitingForItsEnd() throws Exception {
        var key = relayed.createKey();
        var request = HttpRequest.newBuilder(URI.create(relayed.base() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + key.secret()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"fake-paused\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build();
        FixedModels models = backend.models();
        try {
            var answer = relayed.http().send(request, HttpResponse.BodyHandlers.ofInputStream());
            var lines = new BufferedReader(new InputStreamReader(answer.body(), StandardCharsets.UTF_8));

            // the backend holds the rest of its stream until released: the first event must come through now
            String first = lines.readLine();

            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(first).startsWith("data: {");
            models.releasePaused();
            assertThat(lines.lines().toList()).contains("data: [DONE]");
        } finally {
            models.releasePaused();
        }
    }

    @Test
    void carriesSeveralRequestsOnOneConnectionOverOneConnectionToTomcat() throws IOException {
        try (var socket = new Socket("127.0.0.1", door.port())) {
            socket.setSoTimeout(10_000);
            for (int i = 0; i < 3; i++) {
                socket.getOutputStream().write(("GET /actuator/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                String answer = readAnswer(socket.getInputStream());
                assertThat(answer).startsWith("HTTP/1.1 200").contains("\"status\":\"UP\"");
            }
        }

        assertThat(tomcatConnections).hasValue(1);
    }

    @Test
    void passesTomcatsContinueOnBeforeTheBodyIsSent() throws IOException {
        String body = "{\"name\":\"expecting\"}";
        try (var socket = new Socket("127.0.0.1", door.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /admin/api/keys HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + TestGateway.ADMIN_TOKEN
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
                    + "\r\nExpect: 100-continue\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String interim = head(socket.getInputStream());
            out.write(body.getBytes(StandardCharsets.US_ASCII));

            String answer = readAnswer(socket.getInputStream());

            assertThat(interim).startsWith("HTTP/1.1 100");
            assertThat(answer).startsWith("HTTP/1.1 201").contains("\"name\":\"expecting\"");
        }
    }

    @Test
    void answersAHeadWithoutABodyAndKeepsTheConnectionInStep() throws IOException {
        try (var socket = new Socket("127.0.0.1", door.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write("HEAD /admin/assets/app.js HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String headAnswer = head(socket.getInputStream());
            out.write("GET /actuator/health HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

            String getAnswer = readAnswer(socket.getInputStream());

            assertThat(headAnswer).startsWith("HTTP/1.1 200").containsIgnoringCase("content-length:");
            assertThat(getAnswer).startsWith("HTTP/1.1 200").contains("\"status\":\"UP\"");
        }
    }

    @Test
    void passesConnectionCloseOnAndClosesAfterTheAnswer() throws IOException {
        try (var socket = new Socket("127.0.0.1", door.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("GET /actuator/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));

            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);

            assertThat(answer).startsWith("HTTP/1.1 200").containsIgnoringCase("connection: close")
                    .contains("\"status\":\"UP\"");
        }
    }

    @Test
    void aClientLeavingMidAnswerEndsTheStreamBehindIt() throws Exception {
        var key = relayed.createKey();
        backend.models().reset();
        String body = "{\"model\":\"fake-endless\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        try (var socket = new Socket("127.0.0.1", door.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + key.secret()
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] some = new byte[256];
            assertThat(socket.getInputStream().read(some)).isPositive();
        }

        assertThat(backend.models().awaitEndlessAborted(10)).as("the backend's stream was cancelled").isTrue();
    }

    @Test
    void answers502InTheContractsShapeWhenTomcatCannotBeReached() throws Exception {
        try (var dead = new RelayFrontDoor(new ControlPlaneRelay(
                () -> new InetSocketAddress("127.0.0.1", TestGateway.CLOSED_PORT), secret))) {
            var answer = new GatewayClient(dead.port()).get("/admin/api/keys", null);

            assertThat(answer.statusCode()).isEqualTo(502);
            assertThat(GatewayClient.json(answer).at("/error/code").stringValue()).isEqualTo("upstream_error");
            assertThat(answer.headers().firstValue("x-request-id")).contains(dead.requestIds.getFirst());
        }
    }

    @Test
    void theClientIsTheAddressTheFrontDoorDecided() {
        var office = client.createKey("{\"name\":\"office\",\"policy\":{\"allowedCidrs\":[\"203.0.113.0/24\"]}}");

        var fromLoopback = relayed.post("/v1/chat/completions", office.secret(), GatewayClient.chat("fake-chat"));
        door.clientAddress = "203.0.113.7";
        var fromOffice = relayed.post("/v1/chat/completions", office.secret(), GatewayClient.chat("fake-chat"));

        assertThat(fromLoopback.statusCode()).isEqualTo(403);
        assertThat(fromOffice.statusCode()).as(fromOffice.body()).isEqualTo(200);
    }

    @Test
    void anUntrustedClientsForwardedForIsNotBelievedThroughTheRelay() throws Exception {
        var office = client.createKey("{\"name\":\"office\",\"policy\":{\"allowedCidrs\":[\"203.0.113.0/24\"]}}");

        var forged = relayed.send(chat(relayed, office.secret()).header("X-Forwarded-For", "203.0.113.7").build());

        assertThat(forged.statusCode()).isEqualTo(403);
    }

    @Test
    void aClientCannotNameItselfWithTheRelaysHeaders() {
        var office = client.createKey("{\"name\":\"office\",\"policy\":{\"allowedCidrs\":[\"203.0.113.0/24\"]}}");

        // straight to Tomcat's port from loopback, with a guessed secret
        var guessed = tomcat.send(chat(tomcat, office.secret())
                .header(RelaySecret.CLIENT_ADDRESS_HEADER, "203.0.113.7")
                .header(RelaySecret.SECRET_HEADER, "guess").build());
        // through the relay, which overwrites both headers with the front door's decision
        var overwritten = relayed.send(chat(relayed, office.secret())
                .header(RelaySecret.CLIENT_ADDRESS_HEADER, "203.0.113.7")
                .header(RelaySecret.SECRET_HEADER, secret.value()).build());
        // the positive control: the real secret from loopback is believed
        var genuine = tomcat.send(chat(tomcat, office.secret())
                .header(RelaySecret.CLIENT_ADDRESS_HEADER, "203.0.113.7")
                .header(RelaySecret.SECRET_HEADER, secret.value()).build());
        // the data plane serves the client API itself and never reads the relay's headers, even the genuine secret
        var dataPlane = client.send(chat(client, office.secret())
                .header(RelaySecret.CLIENT_ADDRESS_HEADER, "203.0.113.7")
                .header(RelaySecret.SECRET_HEADER, secret.value()).build());

        assertThat(guessed.statusCode()).isEqualTo(403);
        assertThat(overwritten.statusCode()).isEqualTo(403);
        assertThat(genuine.statusCode()).as(genuine.body()).isEqualTo(200);
        assertThat(dataPlane.statusCode()).isEqualTo(403);
    }

    /** Ops see the connections the data plane holds, the scrape's own among them, and any it refused. */
    @Test
    void exportsTheDataPlanesConnections() {
        String scrape = client.get("/actuator/prometheus", null).body();

        var open = java.util.regex.Pattern.compile("(?m)^portcullis_dataplane_connections(?:\\{[^}]*})? (\\S+)$")
                .matcher(scrape);
        assertThat(open.find()).as("portcullis_dataplane_connections in the scrape").isTrue();
        assertThat(Double.parseDouble(open.group(1))).isGreaterThanOrEqualTo(1);
        assertThat(scrape).contains("portcullis_dataplane_connections_refused_total");
    }

    /** Ops see how relayed requests end: a link to Tomcat that fails shows before anyone reads the logs. */
    @Test
    void countsRelayedRequestsByHowTheyEnded() throws Exception {
        var registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        try (var dead = new RelayFrontDoor(new ControlPlaneRelay(
                () -> new InetSocketAddress("127.0.0.1", TestGateway.CLOSED_PORT), secret, registry));
             var live = new RelayFrontDoor(new ControlPlaneRelay(controlPlane::address, secret, registry))) {
            new GatewayClient(dead.port()).get("/admin/api/keys", null);
            new GatewayClient(live.port()).admin("GET", "/admin/api/keys", null);
            new GatewayClient(live.port()).get("/admin/api/keys", null);
        }

        assertThat(registry.get(RelayOutcome.METRIC).tag("outcome", "bad_gateway").counter().count()).isEqualTo(1);
        assertThat(registry.get(RelayOutcome.METRIC).tag("outcome", "answered").counter().count()).isEqualTo(2);
        assertThat(registry.get(RelayOutcome.METRIC).tag("outcome", "cut").counter().count()).isZero();
        // the gateway's own relay counts too: the first scrape was relayed, the second sees it answered
        client.get("/actuator/prometheus", null);
        var answered = java.util.regex.Pattern.compile(
                "(?m)^portcullis_dataplane_relayed_requests_total\\{[^}]*outcome=\"answered\"[^}]*} (\\S+)$")
                .matcher(client.get("/actuator/prometheus", null).body());
        assertThat(answered.find()).as("relayed requests in the scrape").isTrue();
        assertThat(Double.parseDouble(answered.group(1))).isGreaterThanOrEqualTo(1);
    }

    /** Without trusted proxies nobody names the scheme: neither X-Forwarded-Proto nor the relay's own header. */
    @Test
    void aClientCannotClaimHttpsThroughTheDataPlane() {
        var claimed = client.send(HttpRequest.newBuilder(URI.create(client.base() + "/admin/"))
                .header("X-Forwarded-Proto", "https").header(RelaySecret.SCHEME_HEADER, "https")
                .header(RelaySecret.SECRET_HEADER, "guess").GET().build());

        assertThat(claimed.statusCode()).isEqualTo(302);
        assertThat(claimed.headers().firstValue("Location")).hasValueSatisfying(
                location -> assertThat(location).startsWith("http://"));
    }

    private static HttpRequest.Builder chat(GatewayClient gateway, String key) {
        return HttpRequest.newBuilder(URI.create(gateway.base() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(GatewayClient.chat("fake-chat")));
    }

    /** Reads one answer with a Content-Length or chunked body off a kept-alive socket. */
    static String readAnswer(InputStream in) throws IOException {
        var head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed after: " + head);
            }
            head.append((char) c);
        }
        String lower = head.toString().toLowerCase();
        var body = new StringBuilder();
        int at = lower.indexOf("content-length:");
        if (at >= 0) {
            int length = Integer.parseInt(lower.substring(at + 15, lower.indexOf("\r\n", at)).strip());
            body.append(new String(in.readNBytes(length), StandardCharsets.UTF_8));
        } else {
            while (true) {
                int size = Integer.parseInt(line(in).strip(), 16);
                if (size == 0) {
                    line(in);
                    break;
                }
                body.append(new String(in.readNBytes(size), StandardCharsets.UTF_8));
                line(in);
            }
        }
        return head + body.toString();
    }

    /** Reads an answer's status line and headers only. */
    private static String head(InputStream in) throws IOException {
        var head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed after: " + head);
            }
            head.append((char) c);
        }
        return head.toString();
    }

    private static String line(InputStream in) throws IOException {
        var line = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            line.append((char) c);
        }
        return line.toString();
    }
}
