package io.portcullis.gateway.alert;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Sends one event body to one webhook: a {@code POST} of the stored bytes, signed, with a
 * connect and a read timeout, no redirect followed (a 3xx is a failure: the destination was
 * checked against {@code gateway.upstream.allowed-hosts}, where it would send us was not), and
 * at most {@value #READ_MAX} bytes of the answer read before the connection is dropped.
 */
final class WebhookSender implements AutoCloseable {

    /** Header names are part of the contract (docs/alerts.md): never rename one. */
    static final String SIGNATURE = "x-portcullis-signature";
    static final String EVENT_ID = "x-portcullis-event-id";
    static final String EVENT = "x-portcullis-event";
    static final int READ_MAX = 1024;

    /** How one attempt ended. */
    sealed interface Result {
        /** The webhook answered 2xx. */
        record Delivered(int status) implements Result {
        }

        /** It answered otherwise, or could not be reached; {@code status} null when there was no answer. */
        record Failed(Integer status, String error) implements Result {
        }
    }

    private final HttpClient http;
    private final java.time.Duration readTimeout;

    WebhookSender(java.time.Duration connectTimeout, java.time.Duration readTimeout) {
        this.http = HttpClient.newBuilder().connectTimeout(connectTimeout).followRedirects(HttpClient.Redirect.NEVER)
                .proxy(HttpClient.Builder.NO_PROXY).build();
        this.readTimeout = readTimeout;
    }

    Result send(URI url, UUID eventId, String event, byte[] body, String secret) {
        var request = HttpRequest.newBuilder(url).timeout(readTimeout)
                .header("content-type", "application/json")
                .header("user-agent", "portcullis-alerts")
                .header(EVENT_ID, eventId.toString())
                .header(EVENT, event)
                .header(SIGNATURE, signature(secret, body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        try {
            HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) {
                in.readNBytes(READ_MAX); // enough to let a small answer finish; a large one is cut off by close
            }
            int status = response.statusCode();
            return status >= 200 && status < 300 ? new Result.Delivered(status)
                    : new Result.Failed(status, "answered HTTP " + status);
        } catch (HttpTimeoutException e) {
            return new Result.Failed(null, "timed out");
        } catch (IOException e) {
            return new Result.Failed(null, "could not be reached: " + e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result.Failed(null, "interrupted");
        }
    }

    /** Stops the client's selector thread; attempts in flight fail and are retried elsewhere or later. */
    @Override
    public void close() {
        http.shutdownNow();
    }

    /** {@code sha256=<hex>}: HMAC-SHA256 of the exact body bytes, keyed with the secret's UTF-8 bytes. */
    static String signature(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
