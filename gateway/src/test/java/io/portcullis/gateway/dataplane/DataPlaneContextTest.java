package io.portcullis.gateway.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.NettyEventLoops;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.test.context.TestPropertySource;

/**
 * The whole gateway with {@code gateway.data-plane.enabled=true}: the data plane owns the public
 * port (and is what {@code local.server.port} names), Tomcat moved to a loopback port of its own.
 */
@TestPropertySource(properties = "gateway.data-plane.enabled=true")
@Import(DataPlaneContextTest.Handler.class)
class DataPlaneContextTest extends GatewayIntegrationTest {

    @TestConfiguration(proxyBeanMethods = false)
    static class Handler {
        /** Primary: the real client API, once wired as a handler, must not make this test's one ambiguous. */
        @Bean
        @Primary
        ClientApiHandler scriptedClientApi() {
            return new ScriptedHandler();
        }
    }

    @Autowired
    private DataPlaneServer dataPlane;
    @Autowired
    private ControlPlaneAddress controlPlane;
    @Autowired
    private NettyEventLoops eventLoops;
    @Autowired
    private ServletWebServerApplicationContext context;
    @Value("${" + ControlPlaneAddress.PORT_PROPERTY + "}")
    private int controlPlanePort;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void publishesTheDataPlanesPortAsTheServersPort() {
        assertThat(port).isEqualTo(dataPlane.port()).isNotEqualTo(controlPlanePort);
        assertThat(controlPlane.port()).isEqualTo(controlPlanePort);
    }

    /**
     * New requests and the wake-ups of answered ones reach the virtual threads from the same loops,
     * so they take their turns in the order they came ({@link NettyEventLoops}).
     */
    @Test
    void servesOnTheEventLoopsTheUpstreamClientReadsAnswersOn() {
        assertThat(dataPlane.loops()).isSameAs(eventLoops.group());
    }

    @Test
    void servesTheClientApiOnTheDataPlane() throws Exception {
        var answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/echo"))
                .POST(HttpRequest.BodyPublishers.ofString("through netty")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("through netty");
        assertThat(answer.headers().firstValue("x-client")).hasValue("127.0.0.1");
    }

    @Test
    void movesTomcatToLoopbackOnAnotherPort() throws Exception {
        var connector = ((TomcatWebServer) context.getWebServer()).getTomcat().getConnector();
        assertThat(((InetAddress) connector.getProperty("address")).isLoopbackAddress()).isTrue();
        assertThat(connector.getLocalPort()).isEqualTo(controlPlanePort);
        var health = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + controlPlanePort + "/actuator/health/liveness")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
    }
}
