package io.portcullis.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.database.EmbeddedPostgresServer;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.StandaloneGateway;
import io.portcullis.gateway.support.TestGateway;
import io.portcullis.gateway.web.GatewayHttp11NioProtocol;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.coyote.AbstractProtocol;
import org.apache.coyote.RequestGroupInfo;
import org.junit.jupiter.api.Test;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;

/** gateway.max-concurrent-requests: a replica at its limit sheds at once instead of queueing, and its heap bounds the limit. */
class OverloadTest {

    @Test
    void refusesRequestsBeyondTheConcurrencyLimitWith503AndServesAgainOnceBelowIt() throws Exception {
        try (var postgres = EmbeddedPostgresServer.ephemeral();
             var gateway = StandaloneGateway.start(postgres.jdbcUrl(), Map.of("gateway.max-concurrent-requests", "2"))) {
            GatewayClient client = gateway.client();
            var key = client.createKey();
            List<BufferedReader> open = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    HttpResponse<InputStream> stream = client.http().send(HttpRequest.newBuilder(
                                    URI.create(client.base() + "/v1/chat/completions"))
                            .header("Authorization", "Bearer " + key.secret())
                            .header("Content-Type", "application/json")
                            .timeout(Duration.ofSeconds(30))
                            .POST(HttpRequest.BodyPublishers.ofString("""
                                    {"model":"fake-paused","stream":true,"messages":[{"role":"user","content":"hi"}]}"""))
                            .build(), HttpResponse.BodyHandlers.ofInputStream());
                    var reader = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8));
                    open.add(reader);
                    assertThat(reader.readLine()).contains("\"first\""); // in flight, held by the backend
                }

                var shed = client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat"));

                assertThat(shed.statusCode()).isEqualTo(503);
                assertThat(GatewayClient.json(shed).at("/error/code").stringValue()).isEqualTo("overloaded");
                assertThat(GatewayClient.json(shed).at("/error/type").stringValue()).isEqualTo("server_error");
                assertThat(shed.headers().firstValue("Retry-After")).hasValue("1");
                assertThat(shed.headers().firstValue("x-request-id")).isPresent();
            } finally {
                TestGateway.backend().models().releasePaused();
                for (var reader : open) {
                    while (reader.readLine() != null) {
                        // drain to the end of each stream
                    }
                    reader.close();
                }
            }

            var served = client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat"));
            assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
        }
    }

    @Test
    void withoutASetLimitTheReplicaAllowsOneRequestPer256KiBOfHeapBetween64And10000() {
        assertThat(ProxyProperties.concurrencyForHeap(768L << 20)).isEqualTo(3_072);
        assertThat(ProxyProperties.concurrencyForHeap(1L << 30)).isEqualTo(4_096);
        assertThat(ProxyProperties.concurrencyForHeap(8L << 20)).isEqualTo(64);
        assertThat(ProxyProperties.concurrencyForHeap(64L << 30)).isEqualTo(10_000);
    }

    @Test
    void tomcatKeepsAsManyRequestProcessorsAsTheLimitAndRegistersNone() throws Exception {
        try (var postgres = EmbeddedPostgresServer.ephemeral();
             var gateway = StandaloneGateway.start(postgres.jdbcUrl(), Map.of())) {
            int limit = gateway.context().getBean(ProxyProperties.class).maxConcurrentRequests();
            assertThat(limit).isEqualTo(ProxyProperties.concurrencyForHeap(Runtime.getRuntime().maxMemory()));
            var server = (TomcatWebServer) ((WebServerApplicationContext) gateway.context()).getWebServer();
            var protocol = server.getTomcat().getConnector().getProtocolHandler();
            assertThat(protocol).isInstanceOf(GatewayHttp11NioProtocol.class);
            assertThat(((AbstractProtocol<?>) protocol).getProcessorCache()).isEqualTo(limit);

            var key = gateway.client().createKey();
            var served = gateway.client().post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat"));
            assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
            var statistics = (RequestGroupInfo) ((AbstractProtocol<?>) protocol).getHandler().getGlobal();
            assertThat(statistics.getRequestCount()).as("no processor joined Tomcat's JMX statistics").isZero();
        }
    }
}
