package io.portcullis.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.RemoteIpValve;
import org.apache.catalina.valves.ValveBase;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Who {@link RelayedClientValve} lets name the client: only the relay (loopback peer, the
 * process's secret), and never in a way the valves behind it can see or undo.
 */
class RelayedClientValveTest {

    private static final String CLIENT = "203.0.113.7";

    private final RelaySecret secret = new RelaySecret();
    private final Recorder recorder = new Recorder();
    private RelayedClientValve valve;

    @BeforeEach
    void chain() {
        valve = new RelayedClientValve(secret);
        valve.setNext(recorder);
    }

    @Test
    void believesTheRelayFromLoopbackWithTheSecret() throws Exception {
        valve.invoke(request("127.0.0.1", CLIENT, secret.value()), null);

        assertThat(recorder.remoteAddr).isEqualTo(CLIENT);
        assertThat(recorder.remoteHost).isEqualTo(CLIENT);
    }

    @Test
    void believesTheRelayOverIpv6Loopback() throws Exception {
        valve.invoke(request("0:0:0:0:0:0:0:1", "2001:db8::7", secret.value()), null);

        assertThat(recorder.remoteAddr).isEqualTo("2001:db8:0:0:0:0:0:7");
    }

    @Test
    void refusesTheRightSecretFromAPeerThatIsNotLoopback() throws Exception {
        valve.invoke(request("192.0.2.2", CLIENT, secret.value()), null);

        assertThat(recorder.remoteAddr).isEqualTo("192.0.2.2");
    }

    @Test
    void refusesAWrongSecretFromLoopback() throws Exception {
        valve.invoke(request("127.0.0.1", CLIENT, secret.value() + "x"), null);

        assertThat(recorder.remoteAddr).isEqualTo("127.0.0.1");
    }

    @Test
    void refusesAnAddressWithoutASecret() throws Exception {
        valve.invoke(request("127.0.0.1", CLIENT, null), null);

        assertThat(recorder.remoteAddr).isEqualTo("127.0.0.1");
    }

    @Test
    void refusesAHostNameInPlaceOfAnAddress() throws Exception {
        valve.invoke(request("127.0.0.1", "attacker.example", secret.value()), null);

        assertThat(recorder.remoteAddr).isEqualTo("127.0.0.1");
    }

    @Test
    void refusesASecondAddressHeader() throws Exception {
        var request = request("127.0.0.1", CLIENT, secret.value());
        request.getCoyoteRequest().getMimeHeaders().addValue(RelaySecret.CLIENT_ADDRESS_HEADER).setString("198.51.100.9");

        valve.invoke(request, null);

        assertThat(recorder.remoteAddr).isEqualTo("127.0.0.1");
    }

    @Test
    void removesBothHeadersWhetherBelievedOrNot() throws Exception {
        valve.invoke(request("127.0.0.1", CLIENT, secret.value()), null);
        List<String> afterBelieved = recorder.headerNames;
        valve.invoke(request("192.0.2.2", CLIENT, "forged"), null);

        assertThat(afterBelieved).doesNotContain(RelaySecret.CLIENT_ADDRESS_HEADER, RelaySecret.SECRET_HEADER)
                .contains("x-forwarded-for");
        assertThat(recorder.headerNames).doesNotContain(RelaySecret.CLIENT_ADDRESS_HEADER, RelaySecret.SECRET_HEADER);
    }

    @Test
    void aRelayedRequestSkipsTheForwardedHeadersValve() throws Exception {
        valve.setNext(remoteIpValveTrusting("203\\.0\\.113\\.7|127\\.0\\.0\\.1"));

        valve.invoke(request("127.0.0.1", CLIENT, secret.value()), null);

        // the front door settled the client; its X-Forwarded-For is not weighed a second time
        assertThat(recorder.remoteAddr).isEqualTo(CLIENT);
    }

    @Test
    void anyOtherRequestStillGoesThroughTheForwardedHeadersValve() throws Exception {
        valve.setNext(remoteIpValveTrusting("127\\.0\\.0\\.1"));

        valve.invoke(request("127.0.0.1", null, null), null);

        assertThat(recorder.remoteAddr).isEqualTo("198.51.100.9");
    }

    private RemoteIpValve remoteIpValveTrusting(String internalProxies) {
        var remoteIp = new RemoteIpValve();
        remoteIp.setInternalProxies(internalProxies);
        remoteIp.setTrustedProxies("");
        remoteIp.setNext(recorder);
        return remoteIp;
    }

    /** A request from {@code peer} carrying the relay's headers (when given) and a client's X-Forwarded-For. */
    private static Request request(String peer, String client, String presentedSecret) {
        var coyote = new org.apache.coyote.Request();
        var request = new Request(new Connector("HTTP/1.1"), coyote);
        request.setRemoteAddr(peer);
        request.setRemoteHost(peer);
        if (client != null) {
            coyote.getMimeHeaders().addValue(RelaySecret.CLIENT_ADDRESS_HEADER).setString(client);
        }
        if (presentedSecret != null) {
            coyote.getMimeHeaders().addValue(RelaySecret.SECRET_HEADER).setString(presentedSecret);
        }
        coyote.getMimeHeaders().addValue("x-forwarded-for").setString("198.51.100.9");
        return request;
    }

    /** The end of the chain: what the application would see. */
    private static final class Recorder extends ValveBase {
        String remoteAddr;
        String remoteHost;
        List<String> headerNames = new ArrayList<>();

        @Override
        public void invoke(Request request, Response response) {
            remoteAddr = request.getRemoteAddr();
            remoteHost = request.getRemoteHost();
            headerNames = Collections.list(request.getHeaderNames());
        }
    }
}
