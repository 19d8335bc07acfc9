package io.portcullis.gateway.proxy;

import io.portcullis.gateway.backend.BackendRegistry.Route;
import io.portcullis.gateway.backend.Deployment;
import io.portcullis.gateway.backend.DeploymentRouter;
import io.portcullis.gateway.quota.QuotaProperties;
import io.portcullis.gateway.web.ApiError;
import io.portcullis.gateway.web.ClientExchange;
import java.io.IOException;
import java.io.InputStream;
import java.time.InstantSource;
import java.util.Locale;
import org.springframework.stereotype.Component;

/**
 * Step four of the request path: send the request to a deployment ({@link Failover}: retries and
 * circuit breakers until the first byte goes to the client) and relay its answer as it arrives.
 * The quota reservation and the ledger record belong to the client request ({@link ProxyHandler}),
 * so however many attempts there are, it is billed once.
 *
 * <p>What each backend type needs is its {@link BackendDialect}'s business: the upstream request,
 * and whether its answers reach this client as they are or translated: whole answers copied
 * through in chunks or by an {@link AnswerTranslator} ({@link WholeAnswers}), streams event by event by {@link SseRelay}
 * with the dialect's {@link StreamCodec}.
 */
@Component
class UpstreamForwarder {

    private final Failover failover;
    private final InstantSource clock;
    private final long defaultMaxTokens;

    UpstreamForwarder(Failover failover, InstantSource clock, QuotaProperties quota) {
        this.failover = failover;
        this.clock = clock;
        this.defaultMaxTokens = quota.defaultMaxTokens();
    }

    void forward(Exchange exchange, ClientRequest request, Route route, ClientExchange client) throws IOException {
        long sentAt = System.nanoTime();
        Failover.Attempt answer = failover.firstAnswer(exchange, route,
                deployment -> upstreamCall(exchange, request, deployment, client));
        long answeredAt = System.nanoTime();
        exchange.upstreamNanos = answeredAt - sentAt;
        client.header(Exchange.OVERHEAD_HEADER, Long.toString(exchange.overheadMicros(answeredAt)));
        BackendDialect dialect = BackendDialect.of(answer.deployment().backend().type());
        try (answer) {
            InputStream body = answer.body();
            int status = answer.status();
            boolean ok = status >= 200 && status < 300;
            // from here on the backend has done the work: whatever happens next is billed
            exchange.backendWorked |= ok;
            String contentType = answer.contentType();
            boolean sse = ok && request.stream() && contentType != null
                    && contentType.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
            if (ok && request.stream() && !sse) {
                throw ApiError.upstreamError("The backend answered a streaming request with '" + contentType
                        + "' instead of an event stream").toException();
            }
            if (sse) {
                new SseRelay(exchange, dialect.streamCodec(exchange, request, clock)).relay(body, client);
            } else {
                AnswerTranslator translator = dialect.answerTranslator(exchange, request, clock);
                if (translator == null) {
                    WholeAnswers.relay(exchange, status, contentType, answer.contentLength(), body, client);
                } else {
                    WholeAnswers.relayTranslated(exchange, status, body, client, translator);
                }
            }
        } finally {
            exchange.upstreamNanos = System.nanoTime() - sentAt;
        }
        correctUsage(exchange, dialect);
    }

    /** What the dialect of a deployment sends it, with the headers its type allows. */
    private Failover.UpstreamCall upstreamCall(Exchange exchange, ClientRequest request, Deployment deployment,
                                               ClientExchange client) {
        var backend = deployment.backend();
        var upstream = BackendDialect.of(backend.type()).request(exchange, request, deployment, defaultMaxTokens);
        String[] headers = UpstreamHeaders.forCall(backend, exchange.requestId, exchange.upstreamTraceparent,
                UpstreamHeaders.ClientHeaders.of(client));
        return new Failover.UpstreamCall(deployment.url(upstream.path(), upstream.query()), upstream.body(),
                upstream.streamed(), headers);
    }

    /** A backend's known reporting quirks, corrected once its answer is over (docs/backends.md). */
    private static void correctUsage(Exchange exchange, BackendDialect dialect) {
        if (exchange.reported == null || exchange.inspection == null) {
            return;
        }
        Usage corrected = dialect.correctUsage(exchange.reported, exchange.inspection.promptTokens());
        if (!corrected.equals(exchange.reported)) {
            exchange.reported = corrected;
            if (exchange.ending instanceof Ending.Answered answered) {
                exchange.ending = new Ending.Answered(answered.status(), corrected);
            }
        }
    }

}
