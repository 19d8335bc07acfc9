package io.portcullis.bench.candidates;

import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty 12 core (no servlet layer): a non-blocking handler that reads the body asynchronously and
 * forwards it with Jetty's asynchronous HttpClient; streams are relayed by {@code Content.copy},
 * which demands the next upstream chunk only once the previous one is written.
 */
public final class JettyProxy {

    private JettyProxy() {
    }

    public static void main(String[] args) throws Exception {
        Bare bare = Bare.parse(args);
        HttpClient client = new HttpClient();
        client.setMaxConnectionsPerDestination(20_000);
        client.setMaxRequestsQueuedPerDestination(100_000);
        client.start();

        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(bare.port);
        connector.setAcceptQueueSize(1000);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                if (!HttpMethod.POST.is(request.getMethod()) || !Bare.PATH.equals(request.getHttpURI().getPath())) {
                    return false;
                }
                Content.Source.asByteArrayAsync(request, Bare.MAX_BODY).whenComplete((body, failure) -> {
                    if (failure != null) {
                        Response.writeError(request, response, callback, 413);
                    } else {
                        forward(bare, client, body, request, response, callback);
                    }
                });
                return true;
            }
        });
        server.start();
        bare.started("jetty");
        server.join();
    }

    private static void forward(Bare bare, HttpClient client, byte[] body, Request request, Response response,
                                Callback callback) {
        var upstream = client.newRequest(bare.upstreamUri(body, body.length)).method(HttpMethod.POST)
                .body(new BytesRequestContent(Bare.JSON, body));
        if (bare.upstreamPort(body, body.length) != bare.streamPort) {
            upstream.send(new BufferingResponseListener(Bare.MAX_BODY) {
                @Override
                public void onComplete(Result result) {
                    if (result.isFailed()) {
                        Response.writeError(request, response, callback, 502);
                        return;
                    }
                    var answer = result.getResponse();
                    response.setStatus(answer.getStatus());
                    String contentType = answer.getHeaders().get(HttpHeader.CONTENT_TYPE);
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType == null ? Bare.JSON : contentType);
                    byte[] whole = getContent();
                    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, whole.length);
                    response.write(true, java.nio.ByteBuffer.wrap(whole), callback);
                }
            });
            return;
        }
        boolean[] relaying = {false};
        upstream.onResponseHeaders(answer -> {
            response.setStatus(answer.getStatus());
            String contentType = answer.getHeaders().get(HttpHeader.CONTENT_TYPE);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType == null ? Bare.JSON : contentType);
        }).onResponseContentSource((answer, source) -> {
            relaying[0] = true;
            // a failed write (client gone) fails the source, which aborts the upstream exchange
            Content.copy(source, response, callback);
        }).send(result -> {
            if (result.isFailed() && !relaying[0]) {
                Response.writeError(request, response, callback, 502);
            }
        });
    }
}
