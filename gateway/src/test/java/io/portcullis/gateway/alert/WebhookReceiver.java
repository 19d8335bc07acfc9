package io.portcullis.gateway.alert;

import com.sun.net.httpserver.HttpServer;
import io.portcullis.gateway.support.GatewayClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import tools.jackson.databind.JsonNode;

/**
 * A webhook receiver on 127.0.0.1, as an operator's would be: records every call's exact body
 * bytes and headers, and answers 500 to the first {@code failures} calls (then 204).
 */
public final class WebhookReceiver implements AutoCloseable {

    /** One call as received. */
    public record Call(byte[] body, String signature, String eventId, String event) {
        public JsonNode json() {
            return GatewayClient.JSON.readTree(new String(body, StandardCharsets.UTF_8));
        }

        /** Verifies the signature as docs/alerts.md tells receivers to: HMAC-SHA256 of the raw body. */
        public boolean signedWith(String secret) {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
                return ("sha256=" + HexFormat.of().formatHex(mac.doFinal(body))).equals(signature);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private final HttpServer server;
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresLeft;

    public WebhookReceiver(int failures) throws IOException {
        failuresLeft = new AtomicInteger(failures);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            var h = exchange.getRequestHeaders();
            calls.add(new Call(body, h.getFirst("x-portcullis-signature"), h.getFirst("x-portcullis-event-id"),
                    h.getFirst("x-portcullis-event")));
            int status = failuresLeft.getAndDecrement() > 0 ? 500 : 204;
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.start();
    }

    public WebhookReceiver() throws IOException {
        this(0);
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hooks/portcullis";
    }

    public List<Call> calls() {
        return List.copyOf(calls);
    }

    /** Calls for one event name. */
    public List<Call> calls(String event) {
        return calls.stream().filter(c -> event.equals(c.event())).toList();
    }

    /** Makes the next {@code n} calls fail. */
    public void failNext(int n) {
        failuresLeft.set(n);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
