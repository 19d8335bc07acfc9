package io.portcullis.bench.candidates;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.resources.ConnectionProvider;

/**
 * Reactor Netty server and client (the versions Spring Boot 4.0 manages, what WebFlux runs on):
 * event loops on both sides, a pooled client, epoll when its native library is on the class path.
 */
public final class ReactorNettyProxy {

    /** Thrown inside the body reduction; cheap (no stack) because a hostile client can repeat it. */
    private static final RuntimeException TOO_LARGE = new RuntimeException("body too large", null, false, false) {
    };

    private ReactorNettyProxy() {
    }

    public static void main(String[] args) {
        Bare bare = Bare.parse(args);
        // enough connections for every stream the benchmark holds; no queue limit (nginx never refuses)
        ConnectionProvider pool = ConnectionProvider.builder("backend").maxConnections(20_000)
                .pendingAcquireMaxCount(-1).pendingAcquireTimeout(Duration.ofSeconds(10)).build();
        HttpClient client = HttpClient.create(pool).headers(h -> h.set(HttpHeaderNames.CONTENT_TYPE, Bare.JSON));
        DisposableServer server = HttpServer.create().host("127.0.0.1").port(bare.port)
                .route(routes -> routes.post(Bare.PATH, (req, res) -> proxy(bare, client, req, res)))
                .bindNow();
        bare.started("reactor-netty");
        server.onDispose().block();
    }

    private static Mono<Void> proxy(Bare bare, HttpClient client, HttpServerRequest req, HttpServerResponse res) {
        return req.receive().asByteArray()
                .reduceWith(ByteArrayOutputStream::new, (body, bytes) -> {
                    if (body.size() + bytes.length > Bare.MAX_BODY) {
                        throw TOO_LARGE;
                    }
                    body.writeBytes(bytes);
                    return body;
                })
                .map(ByteArrayOutputStream::toByteArray)
                .flatMap(body -> client.post().uri(bare.upstreamUri(body, body.length))
                        .send(ByteBufFlux.fromInbound(Mono.just(body)))
                        .response((answer, content) -> {
                            String contentType = answer.responseHeaders().get(HttpHeaderNames.CONTENT_TYPE, Bare.JSON);
                            res.status(answer.status()).header(HttpHeaderNames.CONTENT_TYPE, contentType);
                            if (Bare.isEventStream(contentType)) {
                                // each chunk is written and flushed as it arrives; a client that goes
                                // away cancels this subscription, which closes the upstream connection
                                return res.send(content.retain()).then();
                            }
                            return content.aggregate().asByteArray().defaultIfEmpty(new byte[0]).flatMap(whole ->
                                    res.header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(whole.length))
                                            .sendByteArray(Mono.just(whole)).then());
                        })
                        .then())
                .onErrorResume(e -> res.status(e == TOO_LARGE ? HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE
                        : HttpResponseStatus.BAD_GATEWAY).send());
    }
}
