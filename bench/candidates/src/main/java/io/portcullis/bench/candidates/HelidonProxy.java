package io.portcullis.bench.candidates;

import io.helidon.http.HeaderNames;
import io.helidon.http.HttpMediaType;
import io.helidon.http.Status;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClient;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Helidon WebServer 4 SE (one virtual thread per request, its own HTTP/1.1 implementation, no
 * Netty) with Helidon's WebClient, blocking on the virtual thread.
 */
public final class HelidonProxy {

    private HelidonProxy() {
    }

    public static void main(String[] args) {
        Bare bare = Bare.parse(args);
        WebClient client = WebClient.builder().build();
        WebServer server = WebServer.builder().host("127.0.0.1").port(bare.port)
                .routing(routes -> routes.post(Bare.PATH, (req, res) -> proxy(bare, client, req, res)))
                .build().start();
        bare.started("helidon");
    }

    private static void proxy(Bare bare, WebClient client, ServerRequest req, ServerResponse res) throws IOException {
        byte[] body;
        try (InputStream in = req.content().inputStream()) {
            body = in.readNBytes(Bare.MAX_BODY + 1);
        }
        if (body.length > Bare.MAX_BODY) {
            res.status(Status.REQUEST_ENTITY_TOO_LARGE_413).send();
            return;
        }
        try (HttpClientResponse answer = client.post(bare.upstreamUri(body, body.length))
                .header(HeaderNames.CONTENT_TYPE, Bare.JSON).submit(body)) {
            String contentType = answer.headers().contentType().map(HttpMediaType::text).orElse(Bare.JSON);
            res.status(answer.status());
            res.header(HeaderNames.CONTENT_TYPE, contentType);
            InputStream in = answer.inputStream();
            if (!Bare.isEventStream(contentType)) {
                byte[] whole = in.readNBytes(Bare.MAX_BODY + 1);
                if (whole.length > Bare.MAX_BODY) {
                    res.status(Status.BAD_GATEWAY_502).send();
                    return;
                }
                res.send(whole);
                return;
            }
            // relay each chunk as it comes; a write failing (client gone) closes the upstream answer
            try (OutputStream out = res.outputStream()) {
                byte[] buffer = new byte[8192];
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            }
        } catch (RuntimeException e) {
            if (!res.isSent()) {
                res.status(Status.BAD_GATEWAY_502).send();
            }
        }
    }
}
